"""Where the app keeps its files: platformdirs, or one folder when overridden."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

from concierge import APP_AUTHOR, APP_NAME

HOME_ENV = "CONCIERGE_HOME"


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    logs: Path
    cache: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def store_file(self) -> Path:
        return self.data / "concierge.sqlite3"

    @property
    def attachments(self) -> Path:
        return self.data / "attachments"

    def ensure(self) -> AppPaths:
        """Create the folders, readable only by their owner."""
        for folder in (self.data, self.config, self.logs, self.cache):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


def resolve_paths(data_dir: str | Path | None = None) -> AppPaths:
    """``data_dir`` (``--data-dir``) wins over ``$CONCIERGE_HOME``; else platformdirs."""
    root = data_dir if data_dir is not None else os.environ.get(HOME_ENV) or None
    if root is not None:
        base = Path(root).expanduser().resolve()
        return AppPaths(base / "data", base / "config", base / "logs", base / "cache")
    dirs = PlatformDirs(APP_NAME, APP_AUTHOR)
    return AppPaths(
        Path(dirs.user_data_dir),
        Path(dirs.user_config_dir),
        Path(dirs.user_log_dir),
        Path(dirs.user_cache_dir),
    )
