"""UI fixtures: leak guards, task runners, a real back office and windows on a real store."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QApplication

from concierge.paths import resolve_paths
from concierge.settings import Settings
from concierge_office.demo_fleet import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_TECHNICIANS,
)
from concierge_office.server import EmbeddedBackOffice, start_embedded
from ui import core
from ui.bridge import CoreBridge
from ui.context import AppContext
from ui.i18n import install
from ui.main_window import MainWindow
from ui.tasks import TaskManager


@pytest.fixture
def german(qapp: QApplication) -> Iterator[Callable[[str], None]]:
    """The UI in German for the test (it may switch with the callable); English after."""
    install(qapp, "de")
    yield lambda tag: install(qapp, tag)
    install(qapp, "en")


@pytest.fixture(autouse=True)
def no_leaked_widgets(qapp: QApplication) -> Iterator[None]:
    before = set(QApplication.topLevelWidgets())
    yield
    QApplication.processEvents()
    leaked = [
        w for w in QApplication.topLevelWidgets()
        if w not in before and w.isVisible()
    ]
    for widget in leaked:
        widget.close()
    assert not leaked, f"test leaked top-level widgets: {[w.objectName() or w for w in leaked]}"


@pytest.fixture
def tasks(qapp: QApplication) -> Iterator[TaskManager]:
    """A real (threaded) task runner, shut down after the test."""
    manager = TaskManager()
    yield manager
    manager.shutdown()
    manager.deleteLater()


@pytest.fixture
def bare_context(tasks: TaskManager, concierge_home) -> Iterator[AppContext]:
    """A context with no core objects: the signed-out window."""
    bridge = CoreBridge()
    yield AppContext(resolve_paths().ensure(), Settings(), tasks, bridge)
    bridge.detach()


# --- a real back office and a real store ----------------------------------------------------

@pytest.fixture(scope="session")
def office_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo office's database, built once; each test runs on its own copy."""
    path = tmp_path_factory.mktemp("ui-office") / "backoffice.sqlite"
    with start_embedded(f"sqlite:///{path}", live=False):
        pass
    return path


class Office:
    """A restartable demo back office on a private database copy."""

    def __init__(self, db_file: Path) -> None:
        self.database_url = f"sqlite:///{db_file}"
        self.port = 0
        self.server: EmbeddedBackOffice | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = start_embedded(self.database_url, port=self.port, live=False)
        self.port = self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def patch_visit(self, visit_id: str, **fields: Any) -> dict[str, Any]:
        """An office edit through the admin API."""
        with requests.Session() as session:
            reply = session.post(f"{self.url}/v1/auth/login", timeout=10,
                                 json={"username": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
            reply.raise_for_status()
            session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
            reply = session.patch(f"{self.url}/v1/admin/visits/{visit_id}", json=fields,
                                  timeout=10)
            reply.raise_for_status()
            return dict(reply.json())


@pytest.fixture
def office(office_db_template: Path, tmp_path: Path) -> Iterator[Office]:
    copy = tmp_path / "backoffice.sqlite"
    shutil.copyfile(office_db_template, copy)
    running = Office(copy)
    yield running
    running.stop()


class Harness:
    """Opens windows on the test's data folder, each with its own core; closes them all."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.opened: list[tuple[MainWindow, AppContext]] = []

    def window(self, settings: Settings | None = None) -> MainWindow:
        ctx = AppContext(resolve_paths().ensure(), settings or Settings(), TaskManager(),
                         CoreBridge())
        window = MainWindow(ctx)
        self.qtbot.addWidget(window)
        self.opened.append((window, ctx))
        window.show()
        with self.qtbot.waitSignal(window.board_loaded, timeout=10_000):
            ctx.tasks.db(lambda: core.open_core(ctx.paths)).success(window.core_ready).run()
        return window

    def sign_in(self, window: MainWindow, office: Office, login: str = DEMO_TECHNICIANS[0]
                ) -> None:
        """Through the dialog, as a person would; waits for the first sync to finish."""
        dialog = window.open_sign_in()
        dialog.server.setText(office.url)
        dialog.username.setText(login)
        dialog.password.setText(DEMO_PASSWORD)
        with self.qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000):
            dialog.submit.click()
        self.qtbot.waitUntil(lambda: window.board.model.rowCount() > 0, timeout=10_000)

    def close(self, window: MainWindow) -> None:
        for i, (opened, ctx) in enumerate(self.opened):
            if opened is window:
                window.close()
                core.close_core(ctx)
                ctx.bridge.deleteLater()
                del self.opened[i]
                return

    def close_all(self) -> None:
        while self.opened:
            self.close(self.opened[-1][0])


@pytest.fixture
def harness(qtbot: Any) -> Iterator[Harness]:
    made = Harness(qtbot)
    yield made
    made.close_all()
