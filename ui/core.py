"""Opening and closing the core for the window: store, account, sync service, demo office.

Only wiring: every rule lives in ``concierge``.  ``open_core`` runs on a worker;
``start_sync`` and ``close_core`` on the GUI thread (neither waits on the network).
The core's modules (numpy, pydantic, requests, APScheduler) are imported on the
worker too, so the window paints before they load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from concierge.paths import AppPaths
from concierge.settings import DEFAULT_SERVER_URL
from ui.context import AppContext

log = logging.getLogger(__name__)


@dataclass
class CoreParts:
    store: Any
    account: Any
    user: Any
    notices: list[str]
    backoffice: Any = None


def open_core(paths: AppPaths) -> CoreParts:
    """Worker: open the store and the token store; who is signed in (from the cache)."""
    from concierge.auth import Account, open_token_store
    from concierge.store import Store
    from concierge.sync import SyncService  # noqa: F401 - loaded here, off the GUI thread

    store = Store.open(paths.store_file, paths.attachments)
    try:
        tokens = open_token_store()
        account = Account(store, tokens)
        user = account.user
    except BaseException:
        store.close()
        raise
    notices = [tokens.warning] if tokens.warning else []
    return CoreParts(store, account, user, notices)


def open_demo(paths: AppPaths, parts: CoreParts, cancelled: Callable[[], bool]) -> CoreParts:
    """Worker: start the embedded back office with its demo fleet and sign in to it.

    If the app started quitting meanwhile, the office is stopped again.
    """
    from concierge.backoffice.demo_fleet import DEMO_PASSWORD, DEMO_TECHNICIANS
    from concierge.backoffice.server import start_embedded

    database = f"sqlite:///{paths.data / 'demo-backoffice.sqlite3'}"
    port = int(DEFAULT_SERVER_URL.rsplit(":", 1)[1])
    try:
        office = start_embedded(database, demo=True, port=port)
    except OSError:
        office = start_embedded(database, demo=True, port=0)  # the usual port is taken
    try:
        if cancelled():
            raise RuntimeError("The app is closing.")
        parts.user = parts.account.sign_in(office.url, DEMO_TECHNICIANS[0], DEMO_PASSWORD)
    except BaseException:
        office.stop()
        raise
    parts.backoffice = office
    return parts


def adopt(ctx: AppContext, parts: CoreParts) -> None:
    """GUI thread: put the opened core into the context and the bridge."""
    ctx.store, ctx.account, ctx.user = parts.store, parts.account, parts.user
    ctx.notices.extend(parts.notices)
    ctx.bridge.attach_store(parts.store)


def adopt_demo(ctx: AppContext, parts: CoreParts) -> None:
    """GUI thread: the demo office is up and its technician signed in."""
    ctx.backoffice, ctx.user = parts.backoffice, parts.user
    ctx.settings = ctx.settings.model_copy(update={
        "server_url": parts.backoffice.url, "demo_mode": True})


def start_sync(ctx: AppContext) -> None:
    """GUI thread: create and start the sync service (its first sync runs at once)."""
    if ctx.sync is not None or ctx.store is None or ctx.user is None:
        return
    from concierge.sync import SyncEngine, SyncService

    engine = SyncEngine(ctx.store, ctx.account.client())
    ctx.sync = SyncService(engine)
    ctx.bridge.attach_sync(ctx.sync)
    ctx.sync.start(ctx.settings.sync_interval_minutes)


def stop_sync(ctx: AppContext, wait: bool = True) -> None:
    sync, ctx.sync = ctx.sync, None
    if sync is not None:
        ctx.bridge.detach(sync)
        sync.shutdown(wait=wait)


def close_core(ctx: AppContext) -> None:
    """Quit: stop syncing, finish background work, close the store, stop the demo office."""
    ctx.closing.set()
    stop_sync(ctx)
    ctx.tasks.shutdown()
    ctx.bridge.detach()
    if ctx.store is not None:
        ctx.store.close()
        ctx.store = None
    if ctx.backoffice is not None:
        ctx.backoffice.stop()
        ctx.backoffice = None
