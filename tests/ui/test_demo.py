"""`concierge --demo --screenshot` end to end, in a subprocess like a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.qt


@pytest.mark.parametrize("view", ["board", "visit"])
def test_demo_renders_a_screenshot_and_exits_0(tmp_path, view: str) -> None:
    target = tmp_path / f"{view}.png"
    env = {**os.environ, "CONCIERGE_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main())",
         "--demo", "--screenshot", str(target), "--view", view],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    image = QImage(str(target))
    assert image.width() >= 1200 and image.height() >= 800
    log = (tmp_path / "home" / "logs" / "concierge.log").read_text(encoding="utf-8")
    assert "Screenshot written" in log and "First sync failed" not in log
