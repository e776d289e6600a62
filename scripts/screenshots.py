# SPDX-License-Identifier: Apache-2.0
"""`make screenshots`: the board, a visit and a session, light and dark, English and
German, into docs/ui/ (each run is the real app: `concierge --demo --screenshot`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "ui"
WORK = ROOT / "build" / "screenshots"  # demo data folders, kept between runs (faster)
VIEWS = ("board", "visit", "session")
SCHEMES = ("light", "dark")
LANGUAGES = ("en", "de")


def shoot(view: str, scheme: str, lang: str) -> Path:
    data = WORK / f"{lang}-{scheme}"
    config = data / "demo" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(json.dumps({"schema_version": 2, "theme": scheme}))
    target = OUT / f"{view}-{scheme}{'' if lang == 'en' else '-' + lang}.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, "-c", "import sys; from ui.launcher import main; sys.exit(main())",
               "--demo", "--data-dir", str(data), "--lang", lang, "--screenshot", str(target),
               "--view", view]
    subprocess.run(command, env=env, check=True, timeout=300, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        for scheme in SCHEMES:
            for view in VIEWS:
                print(shoot(view, scheme, lang).relative_to(ROOT), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
