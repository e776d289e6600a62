# SPDX-License-Identifier: Apache-2.0
"""Opening and closing the core for the window: store, account, sync service, demo office.

Only wiring: every rule lives in ``concierge``.  Start-up opens the core in two steps
on workers, so the cached board paints as early as possible:

1. ``open_store`` (database worker): the store, the cached account and the board rows:
   all the first paint needs.  Imports only ``concierge.store`` (no numpy, requests,
   keyring or APScheduler).
2. ``open_account`` (I/O worker, after the board is shown): the token store (keyring,
   D-Bus) and the account; the sync modules load here too.

``open_core`` does both at once.  ``start_sync`` and ``close_core`` run on the GUI
thread (neither waits on the network).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from concierge.i18n import tr
from concierge.paths import KEYRING_SERVICE, AppPaths
from concierge.settings import DEFAULT_SERVER_URL
from ui.context import AppContext

log = logging.getLogger(__name__)
_heap_settled = threading.Event()  # set once the start-up heap is frozen


@dataclass
class CoreParts:
    store: Any
    account: Any
    user: Any
    notices: list[str]
    backoffice: Any = None
    board: Any = None  # (PreparedRows, SyncStatus) read with the store, for the first paint


def open_store(paths: AppPaths, read_board: Callable[[Any], Any] | None = None) -> CoreParts:
    """Database worker: open the store; who is signed in (from the cache); the board.

    A damaged store is kept aside unchanged and what it still holds is recovered into a
    fresh one; the notice says so."""
    from concierge.store import CorruptStoreError, Store

    notices: list[str] = []
    try:
        store = Store.open(paths.store_file, paths.attachments, exclusive=True)
    except CorruptStoreError as exc:
        store, report = Store.recover(paths.store_file, paths.attachments, exc.kept_as,
                                      exclusive=True)
        notices.append(" ".join(tr(m) for m in (exc.msg, *report.summary_msgs())))
    try:
        cached = store.account()
        board = read_board(store) if read_board is not None else None
    except BaseException:
        store.close()
        raise
    return CoreParts(store, None, cached[1] if cached else None, notices, board=board)


def open_account(parts: CoreParts, keyring_service: str = KEYRING_SERVICE) -> CoreParts:
    """I/O worker: the token store (OS keyring, under ``keyring_service``: the demo has
    its own) and the account over the opened store."""
    from concierge.auth import Account, open_token_store
    from concierge.sync import SyncService  # noqa: F401 - loaded here, off the GUI thread

    tokens = open_token_store(keyring_service)
    parts.account = Account(parts.store, tokens)
    parts.user = parts.account.user
    parts.notices.extend([tr(tokens.warning)] if tokens.warning else [])
    return parts


def open_core(paths: AppPaths) -> CoreParts:
    """Worker: both steps at once (store, then account)."""
    parts = open_store(paths)
    try:
        return open_account(parts, paths.keyring_service)
    except BaseException:
        parts.store.close()
        raise


def open_demo(paths: AppPaths, parts: CoreParts, cancelled: Callable[[], bool]) -> CoreParts:
    """Worker: start the embedded back office with its demo fleet and sign in to it.

    If the app started quitting meanwhile, the office is stopped again.
    """
    from concierge.demo_office import start_demo_office

    port = int(DEFAULT_SERVER_URL.rsplit(":", 1)[1])
    office = start_demo_office(paths.data / "demo-backoffice.sqlite3", port)
    try:
        if cancelled():
            raise RuntimeError("The app is closing.")
        parts.user = parts.account.sign_in(office.url, office.login, office.password)
    except BaseException:
        office.stop()
        raise
    parts.backoffice = office
    return parts


def adopt_store(ctx: AppContext, parts: CoreParts) -> None:
    """GUI thread: put the opened store (and the cached user) into the context and bridge."""
    if ctx.store is parts.store:
        return
    ctx.store, ctx.user = parts.store, parts.user
    ctx.bridge.attach_store(parts.store)


def adopt(ctx: AppContext, parts: CoreParts) -> None:
    """GUI thread: put the opened core into the context and the bridge."""
    adopt_store(ctx, parts)
    ctx.account, ctx.user = parts.account, parts.user
    ctx.notices.extend(parts.notices)
    settle_heap()


def settle_heap() -> None:
    """Exempt everything alive now (Qt bindings, pydantic schemas, the core's modules,
    the window) from the cyclic garbage collector's full collections.

    Those objects live as long as the app.  Left in the collected generations, every
    full collection walks all of them while holding the GIL: 100-250 ms on this app,
    triggered by whichever thread allocates (e.g. the database worker building the
    board's 10,000 rows), during which the GUI thread cannot run.  Frozen objects are
    still freed by reference counting; only cycles among them would wait for exit.
    Done once per process: what comes later is the app's working set, left to the
    collector.
    """
    if not _heap_settled.is_set():
        _heap_settled.set()
        gc.freeze()


def adopt_demo(ctx: AppContext, parts: CoreParts) -> None:
    """GUI thread: the demo office is up and its technician signed in."""
    ctx.backoffice, ctx.user = parts.backoffice, parts.user
    ctx.settings = ctx.settings.replace(server_url=parts.backoffice.url, demo_mode=True)


def start_sync(ctx: AppContext) -> None:
    """GUI thread: create and start the sync service (its first sync runs at once)."""
    if ctx.sync is not None or ctx.store is None or ctx.user is None:
        log.debug("Sync not started: service %s, store %s, user %s", ctx.sync is not None,
                  ctx.store is not None, ctx.user is not None)
        return
    from concierge.sync import SyncEngine, SyncService

    engine = SyncEngine(ctx.store, ctx.account.client())
    ctx.sync = SyncService(engine)
    ctx.bridge.attach_sync(ctx.sync)
    ctx.sync.start(ctx.settings.sync_interval_minutes)
    log.debug("Sync service started")


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
