# SPDX-License-Identifier: Apache-2.0
"""The View menu's "Praise and follow-ups" and the digest's refresh after a sync.

Only this loads with the main window; the digest's rows and dialog (``ui.serve.digest``)
load when the digest is first fetched or opened."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from concierge.i18n import _

log = logging.getLogger(__name__)


class DigestRefresher(QObject):
    """After a sync: fetch the digest (I/O pool), keep it (database worker), say so.
    ``open()`` shows the kept digest (offline too)."""

    updated = Signal()
    opened = Signal(object)  # the dialog

    def __init__(self, ctx: Any, window: Any) -> None:
        super().__init__(window)
        self.ctx, self.window = ctx, window
        self.updated.connect(self._reshow)

    def open(self) -> None:
        from ui.serve.digest import digest_rows

        store = getattr(self.ctx, "store", None)
        if store is None:
            return
        (self.ctx.tasks.db(lambda: digest_rows(store), parent=self)
         .label(_("Reading praise and follow-ups")).success(self._show).run())

    def _show(self, rows: dict[str, list[list[str]]]) -> None:
        from ui.serve.digest import DigestDialog

        dialog = self.window._open_dialog("digest", lambda: DigestDialog(self.window, rows))
        dialog.show_rows(rows)
        self.opened.emit(dialog)

    def _reshow(self) -> None:
        if "digest" in getattr(self.window, "_dialogs", {}):
            self.open()

    def refresh(self) -> None:
        account, store = getattr(self.ctx, "account", None), getattr(self.ctx, "store", None)
        if not self.ctx.signed_in or account is None or store is None:
            return

        def fetch() -> Any:
            with account.client() as client:
                return client.serve_digest()

        def keep(digest: Any) -> None:
            from concierge.sync.digest import keep_digest

            (self.ctx.tasks.db(lambda: keep_digest(store, digest),
                               parent=self).label(_("Keeping the office's digest"))
             .success(lambda _r: self.updated.emit()).run())

        (self.ctx.tasks.io(fetch, parent=self).label(_("Reading praise and follow-ups"))
         .success(keep).failure(lambda exc: log.debug("Digest not fetched: %s", exc)).run())


def install(window: Any, menu: Any) -> DigestRefresher:
    """The digest's refresher and its menu entry (View ▸ Praise and follow-ups)."""
    refresher = DigestRefresher(window.ctx, window)
    action = window._action(_("&Praise and follow-ups…"), "actionDigest", refresher.open,
                            ("Ctrl+Shift+P",))
    menu.addAction(action)
    window.digest_action = action
    return refresher
