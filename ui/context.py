# SPDX-License-Identifier: Apache-2.0
"""What the window needs from the app: paths, settings, the core objects, task runner, bridge."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from concierge.paths import AppPaths
from concierge.settings import Settings
from ui.bridge import CoreBridge
from ui.tasks import TaskManager


@dataclass
class AppContext:
    paths: AppPaths
    settings: Settings
    tasks: TaskManager
    bridge: CoreBridge
    store: Any = None  # concierge.store.Store
    account: Any = None  # concierge.auth.Account
    sync: Any = None  # concierge.sync.SyncService
    backoffice: Any = None  # DemoOffice in --demo
    user: Any = None  # UserInfo once signed in
    notices: list[str] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    @property
    def signed_in(self) -> bool:
        return self.user is not None
