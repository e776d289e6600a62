"""`concierge --demo --screenshot` end to end, in a subprocess like a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.qt


FIRST_SCREEN = "Showing the board's first screen"


def _demo_screenshot(tmp_path, view: str) -> str:
    """Run the demo to a screenshot; the new part of the app's log."""
    target = tmp_path / f"{view}.png"
    target.unlink(missing_ok=True)
    log_file = tmp_path / "home" / "demo" / "logs" / "concierge.log"  # the demo's own folder
    seen = log_file.stat().st_size if log_file.exists() else 0
    env = {**os.environ, "CONCIERGE_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main())",
         "--demo", "--screenshot", str(target), "--view", view, "--log-level", "DEBUG"],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-8000:]  # DEBUG: each start-up step
    assert "Traceback" not in done.stderr
    image = QImage(str(target))
    assert image.width() >= 1200 and image.height() >= 800
    log = log_file.read_text(encoding="utf-8")[seen:]
    assert "Screenshot written" in log and "First sync failed" not in log
    return log


@pytest.mark.parametrize("view", ["board", "visit"])
def test_demo_renders_a_screenshot_and_exits_0(tmp_path, view: str) -> None:
    assert FIRST_SCREEN not in _demo_screenshot(tmp_path, view)  # nothing cached yet


def test_a_second_start_paints_the_cached_board_first(tmp_path) -> None:
    _demo_screenshot(tmp_path, "board")
    assert FIRST_SCREEN in _demo_screenshot(tmp_path, "board")
