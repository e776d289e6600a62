#!/usr/bin/env python3
"""Add the SPDX licence line to every Python source file that lacks it.

Usage: scripts/add-spdx.py [FOLDER ...]   (default: the folders the header test checks)

The line goes first, or second after a shebang.  Files that already carry an
``SPDX-License-Identifier`` line are left as they are, so the script can run again.
"""

from __future__ import annotations

import sys
from pathlib import Path

LICENSE_ID = "Apache-2.0"
HEADER = f"# SPDX-License-Identifier: {LICENSE_ID}\n"
CHECKED_FOLDERS = ("concierge", "concierge_office", "ui")
ROOT = Path(__file__).resolve().parent.parent


def has_header(text: str) -> bool:
    lines = text.splitlines()
    first = lines[1:2] if lines[:1] and lines[0].startswith("#!") else lines[:1]
    return first == [HEADER.rstrip("\n")]


def with_header(text: str) -> str:
    if text.startswith("#!"):
        shebang, _, rest = text.partition("\n")
        return f"{shebang}\n{HEADER}{rest}"
    return HEADER + text


def sources(folders: list[str]) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def main(argv: list[str]) -> int:
    changed = 0
    for path in sources(argv or list(CHECKED_FOLDERS)):
        text = path.read_text(encoding="utf-8")
        if has_header(text) or "SPDX-License-Identifier" in text.split("\n", 2)[0]:
            continue
        path.write_text(with_header(text), encoding="utf-8")
        changed += 1
    print(f"SPDX header added to {changed} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
