"""Import every core module; under ``make core-only`` Qt imports are blocked."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import concierge


def test_every_core_module_imports() -> None:
    names = [m.name for m in pkgutil.walk_packages(concierge.__path__, "concierge.")]
    assert "concierge.settings" in names
    for name in names:
        if name == "concierge.__main__":
            continue
        importlib.import_module(name)
    if os.environ.get("CONCIERGE_BLOCK_QT"):
        assert "PySide6" not in sys.modules
