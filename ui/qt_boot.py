# SPDX-License-Identifier: Apache-2.0
"""Loads PySide6 for the GUI start, without its per-import source scan.

Once ``PySide6.QtCore`` is loaded, PySide hooks ``__import__`` to support its opt-in
``from __feature__ import snake_case, true_property``: the first time any module name
is imported after that (stdlib ones included), it reads the module's whole source file
(``inspect.getsource``) to see whether the text "PySide6" occurs in it.  A cold start
imports about a hundred names that way: a hundred source files read and split into
lines, about a quarter of our share of the start-up.

This app never selects a ``__feature__``, so the answer changes nothing it does.  The
check here gives the same answer from the module's namespace instead (something in it
comes from PySide6), without reading a file.  If PySide's internals differ (another
version), nothing is replaced.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (loads the feature support this module adjusts)

PYSIDE = "PySide6"


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module`` uses PySide6: it holds a PySide6 module, class or function."""
    namespace = getattr(module, "__dict__", None)
    if not isinstance(namespace, dict):
        return False
    for value in list(namespace.values()):
        try:
            origin = value.__name__ if isinstance(value, ModuleType) else getattr(
                value, "__module__", None)
        except Exception:  # noqa: BLE001  (an object with odd attributes is not PySide's)
            continue
        if isinstance(origin, str) and origin.startswith(PYSIDE):
            return True
    return False


def install() -> bool:
    """Replace PySide's source scan by ``uses_pyside``; False if PySide has none."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
    return True


install()
