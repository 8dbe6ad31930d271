"""Build a source object from its ``[sources.NAME]`` config (imported lazily, by kind)."""

from __future__ import annotations

import importlib
from typing import cast

from console.errors import ConfigError
from console.settings import SourceConfig, Workspace
from console.sources.base import Source

_IMPLEMENTATIONS = {
    "files": "console.sources.files:FilesSourceReader",
    "prometheus": "console.sources.prometheus:PrometheusSourceReader",
    "mlflow": "console.sources.mlflow:MlflowSourceReader",
    "http": "console.sources.http_platform:HttpSourceReader",
}


def build_source(name: str, config: SourceConfig, workspace: Workspace) -> Source:
    target = _IMPLEMENTATIONS[config.kind]
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise ConfigError(f"source '{name}': kind '{config.kind}' is not supported yet.") from None
    return cast(Source, getattr(module, class_name)(name, config, workspace))
