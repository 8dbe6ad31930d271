"""The console user's own settings (not the workspace's): ``console.toml`` in the platform's
user config dir. Today it remembers the theme picked in the console's command palette.

Unknown keys are errors naming key and file; the file is written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from console.errors import ConfigError
from console.settings import describe_validation_error, user_config_dir

SETTINGS_NAME = "console.toml"


class UserSettings(BaseModel):
    """What the console remembers for this user across workspaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str | None = None
    """The theme last picked in the console (overrides the workspace's ``[console] theme``)."""


def settings_path() -> Path:
    return user_config_dir() / SETTINGS_NAME


def load_user_settings(path: Path | None = None) -> UserSettings:
    """The user's settings; defaults when the file does not exist."""
    target = path or settings_path()
    try:
        raw = tomllib.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UserSettings()
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{target}: not valid TOML: {error}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{target}: cannot be read: {error}.") from None
    try:
        return UserSettings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{target}: {describe_validation_error(error, UserSettings)}") from None


def save_user_settings(settings: UserSettings, path: Path | None = None) -> Path:
    """Write ``settings`` (replacing the file in one step, so a crash never leaves half)."""
    target = path or settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# mrp console settings, written by the console.\n"]
    for key, value in settings.model_dump(exclude_none=True).items():
        lines.append(f"{key} = {json.dumps(value)}\n")  # a JSON string is a TOML basic string
    handle, temporary = tempfile.mkstemp(prefix=".console-", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(lines)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def remember_theme(name: str, path: Path | None = None) -> Path:
    current = load_user_settings(path)
    return save_user_settings(current.model_copy(update={"theme": name}), path)
