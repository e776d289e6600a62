"""Issue #16: the technician can trust every screen (real office, real store, real Qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from concierge.settings import Settings
from tests.ui.conftest import Harness, Office

pytestmark = pytest.mark.qt


def _two_unsent_changes(window) -> None:
    store = window.ctx.store
    for row in window.board.model.rows()[:2]:
        store.update_visit(row.id, technician_notes="Bring the ladder")


def test_sign_out_with_unsent_changes_defaults_to_sync_first(harness: Harness, office: Office,
                                                              qtbot) -> None:
    window = harness.window(Settings(server_url=office.url))
    harness.sign_in(window, office)
    _two_unsent_changes(window)
    window.sign_out()
    qtbot.waitUntil(lambda: window.sign_out_box is not None and window.sign_out_box.isVisible(),
                    timeout=10_000)
    box = window.sign_out_box
    safe = box.findChild(QPushButton, "signOutBoxSafe")
    discard = box.findChild(QPushButton, "signOutDiscard")
    assert safe is not None and discard is not None
    assert box.defaultButton() is safe
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert not discard.isDefault() and not discard.autoDefault()
    assert "2" in discard.text()  # says what is lost
    # Enter takes the safe choice: a sync starts and the account stays signed in
    with qtbot.waitSignal(window.ctx.bridge.sync_finished, timeout=60_000) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert blocker.args[0].ok
    assert window.ctx.signed_in
    assert window.ctx.store.status().pending_ops == 0


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no stacking
def test_a_second_launch_raises_the_running_window(harness: Harness, office: Office, qtbot,
                                                   tmp_path) -> None:
    import os
    import subprocess
    import sys

    from ui.single_instance import InstanceServer

    window = harness.window(Settings(server_url=office.url))
    window.showMinimized()
    server = InstanceServer(window.ctx.paths.data)
    server.launched.connect(window.second_launch)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CONCIERGE_HOME=str(tmp_path / "x"))
    with qtbot.waitSignal(server.launched, timeout=30_000) as blocker:
        proc = subprocess.Popen([sys.executable, "-c",
                                 "import sys; from ui.launcher import main; sys.exit(main())",
                                 "--data-dir",
                                 str(window.ctx.paths.data.parent), "--lang", "en"], env=env)
    try:
        assert proc.wait(timeout=30) == 0  # the second launch hands over and leaves
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "--data-dir" in blocker.args[0]
    assert not window.isMinimized()
    assert "already open" in window.statusBar().currentMessage()
    server.close()


def test_the_store_refuses_a_second_writer(tmp_path) -> None:
    import subprocess
    import sys

    from concierge.store import Store, StoreError

    store_file = tmp_path / "data" / "concierge.sqlite3"  # --data-dir tmp_path
    store_file.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib; from concierge.store import Store; "
         f"s = Store.open(pathlib.Path({str(store_file)!r}), pathlib.Path({str(tmp_path)!r}) "
         "/ 'att', exclusive=True); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError) as refused:
            Store.open(store_file, tmp_path / "att", exclusive=True)
        text = str(refused.value)
        assert "already open in another Field Concierge" in text
        assert str(holder.pid) in text
        Store.open(store_file, tmp_path / "att").close()  # a sync may still read and write
        logout = subprocess.run([sys.executable, "-m", "concierge", "--data-dir", str(tmp_path),
                                 "--lang", "en", "logout"], capture_output=True, text=True,
                                timeout=120, check=False)
        assert logout.returncode != 0
        assert "already open in another Field Concierge" in logout.stderr
        assert "Traceback" not in logout.stderr
    finally:
        holder.communicate("", timeout=30)
    Store.open(store_file, tmp_path / "att", exclusive=True).close()  # free once it is gone
