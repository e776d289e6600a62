#!/usr/bin/env python3
"""Write the third-party licence list and texts of the installed app into a folder.

Usage: python scripts/third_party_licenses.py OUT_DIR
(the bundle build runs it in the bundle's virtual environment; see packaging/).
"""

from __future__ import annotations

import sys
from pathlib import Path

from concierge.licenses import write_notices


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    items = write_notices(Path(argv[0]))
    print(f"{len(items)} third-party distributions listed in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
