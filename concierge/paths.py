# SPDX-License-Identifier: Apache-2.0
"""Where the app keeps its files: platformdirs, or one folder when overridden.

The demo (``--demo``) has places of its own (folders and keyring service), apart from
a real account's: a demo run can never read, overwrite or wipe real data or tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from concierge import APP_AUTHOR, APP_NAME

HOME_ENV = "CONCIERGE_HOME"
KEYRING_SERVICE = APP_NAME
DEMO_KEYRING_SERVICE = f"{APP_NAME}-demo"
DEMO_FOLDER = "demo"  # under an overridden root: ROOT/demo/{data,config,logs,cache}


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    logs: Path
    cache: Path
    keyring_service: str = KEYRING_SERVICE  # where the sign-in's tokens are kept

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


def resolve_paths(data_dir: str | Path | None = None, *, demo: bool = False) -> AppPaths:
    """``data_dir`` (``--data-dir``) wins over ``$CONCIERGE_HOME``; else platformdirs.

    ``demo``: the demo's own places, never a real account's: ``ROOT/demo/...`` under an
    overridden root, else the platform's folders for ``field-concierge-demo``; and the
    keyring service ``field-concierge-demo``.
    """
    service = DEMO_KEYRING_SERVICE if demo else KEYRING_SERVICE
    root = data_dir if data_dir is not None else os.environ.get(HOME_ENV) or None
    if root is not None:
        base = Path(root).expanduser().resolve()
        if demo:
            base = base / DEMO_FOLDER
        return AppPaths(base / "data", base / "config", base / "logs", base / "cache", service)
    from platformdirs import PlatformDirs  # only when no folder is given: ~10 modules

    dirs = PlatformDirs(f"{APP_NAME}-demo" if demo else APP_NAME, APP_AUTHOR)
    return AppPaths(
        Path(dirs.user_data_dir),
        Path(dirs.user_config_dir),
        Path(dirs.user_log_dir),
        Path(dirs.user_cache_dir),
        service,
    )
