"""What a benchmark ran on, for its results file (each benchmark adds the versions it cares
about): the CPU's model name, the memory and the load average."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def load_average(separator: str = ", ") -> str:
    try:
        return separator.join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
