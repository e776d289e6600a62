# SPDX-License-Identifier: Apache-2.0
"""`make screenshots`, part two: the screens #16 fixed that need a story first (the office
changes the day, withdraws a visit; unsent changes at sign-out), light and dark, English
and German, into docs/ui/. Real app objects on a real embedded office, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "ui"


def shots(scheme: str, lang: str) -> None:
    import requests
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from concierge.paths import resolve_paths
    from concierge.settings import Settings
    from concierge_office.demo_fleet import ADMIN_LOGIN, ADMIN_PASSWORD, DEMO_PASSWORD
    from concierge_office.server import start_embedded
    from ui import core
    from ui.app import make_app
    from ui.bridge import CoreBridge
    from ui.context import AppContext
    from ui.i18n import install
    from ui.main_window import MainWindow
    from ui.tasks import TaskManager
    from ui.theme import ThemeController

    app = make_app()
    install(app, lang)
    theme = ThemeController(app, scheme)
    theme.apply()
    suffix = f"{scheme}{'' if lang == 'en' else '-' + lang}"

    def wait(signal: Any, ms: int = 60_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = OUT / f"{name}-{suffix}.png"
        widget.grab().save(str(path))
        print(path.relative_to(ROOT), flush=True)

    folder = Path(tempfile.mkdtemp(prefix="concierge-shots-"))
    office = start_embedded(f"sqlite:///{folder / 'office.sqlite'}", live=False)
    admin = requests.Session()
    reply = admin.post(f"{office.url}/v1/auth/login", timeout=10,
                       json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
    admin.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"

    def patch(visit_id: str, **fields: Any) -> None:
        admin.patch(f"{office.url}/v1/admin/visits/{visit_id}", json=fields,
                    timeout=10).raise_for_status()

    ctx = AppContext(resolve_paths(folder / "laptop").ensure(),
                     Settings(server_url=office.url, theme=scheme), TaskManager(), CoreBridge())
    window = MainWindow(ctx, theme)
    window.resize(1440, 900)
    window.show()
    ctx.tasks.db(lambda: core.open_core(ctx.paths)).success(window.core_ready).run()
    wait(window.board_loaded)
    dialog = window.open_sign_in()
    dialog.server.setText(office.url)
    dialog.username.setText("ana")
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit.click()
    wait(ctx.bridge.sync_finished)
    wait(window.board_loaded, 3_000)
    active = [r for r in window.board.model.rows() if r.status in ("scheduled", "proposed")]
    noted, moved, withdrawn = active[0], active[1], active[2]
    patch(noted.id, office_notes="Bring the 24 V door controller; the caretaker is in "
                                 "from 9:00.")
    window.sync_now()
    wait(ctx.bridge.sync_finished)
    window.open_visit(noted.id)  # seen once: the next change shows "Updated"
    wait(window.visit_opened, 10_000)
    window.show_board()
    ctx.store.save_session({"id": f"ses-{withdrawn.id}", "visit_id": withdrawn.id,
                            "status": "in_progress", "step": "delight", "attachments": [],
                            "data": {"wishes": [{"text": "Quieter doors at night"}]},
                            "started_at": datetime.now(UTC), "completed_at": None})
    patch(noted.id, office_notes="Moved to Tuesday. Bring the 24 V door controller.")
    start = moved.window_start + timedelta(days=1)
    patch(moved.id, window_start=start.isoformat(),
          window_end=(moved.window_end + timedelta(days=1)).isoformat(), priority=1)
    patch(withdrawn.id, technician_id="tech-ben")
    window.sync_now()
    wait(ctx.bridge.sync_finished)
    wait(window.board_loaded, 3_000)
    save(window, "board-changes")
    changes = window.open_day_changes()
    save(changes, "day-changes")
    changes.close()
    window.open_visit(noted.id)
    wait(window.visit_opened, 10_000)
    save(window, "visit-notes")
    window.open_visit(withdrawn.id)
    wait(window.visit_opened, 10_000)
    save(window, "visit-withdrawn")
    window.show_board()
    settings = window.open_settings()
    save(settings, "settings")
    settings.close()
    about = window._about()
    save(about, "about")
    about.close()
    ctx.store.update_visit(active[3].id, technician_notes="Gate code 4711")
    ctx.store.update_visit(active[4].id, technician_notes="Dog on site")
    office.stop()  # offline: the changes stay unsent
    window.sign_out()
    for _ in range(50):
        if window.sign_out_box is not None:
            break
        settle(100)
    if window.sign_out_box is not None:
        save(window.sign_out_box, "sign-out")
        window.sign_out_box.close()
    window.close()
    core.close_core(ctx)
    ctx.tasks.shutdown()
    QApplication.processEvents()


def main(argv: list[str]) -> int:
    if argv:
        shots(*argv)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for scheme, lang in (("light", "en"), ("dark", "en"), ("light", "de"), ("dark", "de")):
        subprocess.run([sys.executable, __file__, scheme, lang], env=env, check=True,
                       timeout=600, cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
