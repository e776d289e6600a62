from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ui.launcher import NO_DISPLAY_MESSAGE
from ui.main_window import MainWindow


def test_no_display_gives_one_clear_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["CONCIERGE_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main([]))"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == NO_DISPLAY_MESSAGE
    assert "--screenshot" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.qt
def test_main_window_opens_signed_out(qtbot, bare_context) -> None:
    window = MainWindow(bare_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.pages.currentWidget() is window.signed_out_page
    assert window.sign_in_button.accessibleName()
