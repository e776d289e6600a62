# SPDX-License-Identifier: Apache-2.0
"""`make screenshots`, part two: the screens #16 fixed that need a story first (the office
changes the day, withdraws a visit; unsent changes at sign-out) and the screens of #18 and
#19 (praise and follow-ups, resolved remotely, the evidence chart with remote attempts and
an anomaly window, the help request card), light and dark, English and German, into
docs/ui/. Real app objects on a real embedded office, offscreen; what the office's device
loop would send (remote fixes, attempts, an anomaly) is applied to the laptop's store as a
sync page, as the sync brings it."""

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
    seed_digest(office.database_url, noted.id)
    window.sync_now()
    wait(ctx.bridge.sync_finished)
    wait(window.digest.updated, 10_000)
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
    window.digest.opened.connect(lambda dialog: setattr(window, "shot_digest", dialog))
    window.digest.open()
    wait(window.digest.opened, 10_000)
    digest = window.shot_digest
    save(digest, "digest")
    digest.tabs.setCurrentIndex(1)
    save(digest, "digest-follow-ups")
    digest.tabs.setCurrentIndex(2)
    save(digest, "digest-held")
    digest.close()
    remote_story(ctx.store, noted.id)
    fixes = window.open_remote_fixes()
    for _ in range(50):
        if fixes.tree.topLevelItemCount():
            break
        settle(100)
    save(fixes, "remote-fixes")
    fixes.close()
    window.open_visit(noted.id)
    wait(window.visit_opened, 10_000)
    evidence = window.detail.findChild(QWidget, "chartsCard")
    window.detail.findChild(QWidget, "visitScroll").ensureWidgetVisible(evidence)
    save(evidence, "evidence-chart")
    window.show_board()
    window.open_session(active[3].id)
    session = window.session_windows[-1]
    for _ in range(100):
        if getattr(session, "ready", False):
            break
        settle(100)
    session.engine.ask_help("remote", "The door operator faults again after a reset")
    session.engine.ask_help("handover", "Needs a second person to lift the motor",
                            "Two-person job")
    session.help.refresh()
    session.help.setVisible(True)
    save(session.help, "help-card")
    session.close()
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


def seed_digest(database_url: str, visit_id: str) -> None:
    """What the office's tracked items hold after earlier visits: praise, a wish's
    follow-up and a call-back for this technician, and two "did it hold" checks."""
    import time

    from sqlalchemy import select

    from concierge_office import db
    from concierge_office.db import Database
    from concierge_office.serve import held_checks, serve_tasks

    database = Database(database_url)
    now = time.time()
    try:
        with database.write() as conn:
            visit = conn.execute(select(db.visits).where(db.visits.c.id == visit_id)).one()
            for row in office_items(visit, now):
                conn.execute(serve_tasks.insert().values(**row))
            for ident, day, verdict, since in (("held:7", 7, "held", 4.1),
                                               ("held:30", 30, "regressed", 6.2)):
                conn.execute(held_checks.insert().values(
                    id=ident, session_id="ses-earlier", visit_id=visit.id,
                    site_id=visit.site_id, technician_id=visit.technician_id,
                    asset_id=visit.asset_ids[0], kpi="door_cycle_time", day=day,
                    before=5.6, after=4.0, since=since, verdict=verdict, insight_id=None,
                    checked_at=now - (30 - day) * 3600))
    finally:
        database.dispose()


def office_items(visit: Any, now: float) -> list[dict[str, Any]]:
    """The items the office opened after two earlier sessions, in its own words: praise
    for one; for the other a wish not yet solved and a call-back (a 3 of 5), which a
    dispatcher took over."""
    from types import SimpleNamespace

    from concierge_office.serve import tasks_for_session

    def session(ident: str, days_ago: float, data: dict[str, Any]) -> Any:
        done = datetime.fromtimestamp(now - days_ago * 86_400, UTC)
        return SimpleNamespace(id=ident, completed_at=done, data=data)

    happy = session("ses-happy", 3, {"rating": 5,
                                     "comment": "The doors are quiet at last. Thank you!"})
    loud = session("ses-loud", 1, {"rating": 3, "comment": "Still loud in the mornings",
                                   "wishes": {"items": [
                                       {"id": "w-garage", "text": "Garage door closes too fast",
                                        "answer": "not_yet"}]}})
    rows = [row for ses, days in ((happy, 3), (loud, 1))
            for row in tasks_for_session(visit, ses, now - days * 86_400)]
    for row in rows:
        if row["kind"] != "praise":  # passed on to a dispatcher, as the office's tools do
            row |= {"owner": "dispatch", "status": "in_progress", "version": 2,
                    "history": [*row["history"], {"at": now, "by": "dispatch",
                                                  "status": "in_progress", "note": "",
                                                  "owner": "dispatch"}]}
    return rows


def remote_story(store: Any, visit_id: str) -> None:
    """As the sync brings it from the office's device loop: the site's fixes done
    remotely, and on the visit's charted metric an attempt that had no effect, one
    waiting for approval and the window an anomaly was seen in."""
    from concierge.protocol.schemas import Change, Insight, PullResponse, RemoteAttempt
    from concierge_office.devices.playbooks import load_playbooks
    from concierge_office.devices.remote import _customer_note

    visit = store.visit(visit_id)
    site = store.site(visit.site_id)
    insight = next(iter(store.insights_for_visit(visit_id)), None)
    asset_id = insight.asset_id if insight is not None else visit.asset_ids[0]
    metric = insight.metric if insight is not None else "door_cycle_time"
    window = store.telemetry(asset_id, metric)
    end = float(window.t[-1]) if window is not None and len(window.t) else (
        datetime.now(UTC).timestamp())

    def at(t: float) -> datetime:
        return datetime.fromtimestamp(t, UTC)

    def attempt(result: str, t: float, asset: str, **fields: Any) -> RemoteAttempt:
        values: dict[str, Any] = dict(
            decision_key=f"shot:{asset}:{result}:{t}", insight_id="shot-insight",
            asset_id=asset, action="elevator-door-recalibrate",
            command="door_operator.recalibrate", command_id=f"cmd-{result}-{t}",
            command_state="done", safety="automatic", result=result, metric=metric,
            direction="down", decided_at=at(t - 60), sent_at=at(t), acked_at=at(t + 5),
            concluded_at=at(t + 3600), baseline=5.6, observed=4.1 if result == "fixed" else 5.6)
        return RemoteAttempt(**(values | fields))

    day = 86_400.0
    told = _customer_note(load_playbooks().by_id("elevator-door-recalibrate"),
                          end - 2 * day + 3600, 4.1)  # the office's words to the customer
    fixes = [attempt("fixed", end - 2 * day, a, customer_note=note) for a, note in zip(
        visit.asset_ids[:2], (told, ""), strict=False)]
    changes = [{"entity": "site", "id": site.id, "seq": 10_000, "version": site.version + 1,
                "data": site.model_copy(update={"version": site.version + 1,
                                                "remote_fixes": fixes}).model_dump(mode="json")}]
    unusual = Insight(
        id="shot-unusual", asset_id=asset_id, site_id=site.id, metric=metric,
        kind="anomaly", severity="warning", confidence=0.8,
        evidence={"score": 0.9, "onset": end - 4 * day, "at": end - 3.2 * day,
                  "channel": "spread", "ratio": 4.0, "confidence_level": "high"},
        explanation="", headline="", created_at=at(end - 3.2 * day),
        updated_at=at(end - 3.2 * day))
    tried = visit.model_copy(update={
        "version": visit.version + 1,
        "insight_ids": [*visit.insight_ids, unusual.id],
        "remote_attempts": [
            attempt("not_fixed", end - 2.5 * day, asset_id, acked_at=None),
            attempt("awaiting_approval", end - 0.5 * day, asset_id, sent_at=None,
                    acked_at=None, command_id=None, concluded_at=None)]})
    changes += [{"entity": "insight", "id": unusual.id, "seq": 10_002, "version": 1,
                 "data": unusual.model_dump(mode="json")},
                {"entity": "visit", "id": visit.id, "seq": 10_003, "version": tried.version,
                 "data": tried.model_dump(mode="json")}]
    store.replication.apply_page(PullResponse(
        changes=[Change.model_validate(c) for c in changes],
        cursor=store.replication.cursor() or "screenshots", has_more=False),
        report_urgent=False)


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
