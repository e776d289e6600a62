# SPDX-License-Identifier: Apache-2.0
"""Third-party licences: the app's installed dependencies and the licence each declares.

A bundle carries the list (and the licence texts) written at build time by
``scripts/third_party_licenses.py``, because a frozen app has no package metadata;
an ordinary install reads it from the installed distributions.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from concierge import APP_NAME

NOTICES_FOLDER = "licenses"  # in the bundle, beside the app's own LICENSE
SUMMARY_FILE = "third-party.json"
TEXTS_FILE = "THIRD-PARTY-LICENSES.txt"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_LICENSE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


@dataclass(frozen=True)
class ThirdParty:
    name: str
    version: str
    license: str


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(root: str = APP_NAME) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time (not its extras), sorted.

    A requirement whose marker does not hold here is normally not installed, so
    "installed" stands in for evaluating markers (which would need ``packaging``).
    """
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = _normalise(dist.metadata["Name"])
        if key in seen:
            continue
        seen[key] = dist
        for requirement in dist.requires or []:
            match = _NAME.match(requirement)
            if match and "extra ==" not in requirement.replace("extra==", "extra =="):
                pending.append(match.group(1))
    seen.pop(_normalise(root), None)
    return sorted(seen.values(), key=lambda d: _normalise(d.metadata["Name"]))


def declared_license(dist: metadata.Distribution) -> str:
    """The SPDX expression if declared, else a one-line licence field, else the classifiers."""
    meta = dist.metadata
    expression = meta.get_all("License-Expression") or []
    if expression:
        return str(expression[0])
    field = str((meta.get_all("License") or [""])[0]).strip()
    if field and "\n" not in field and len(field) <= 80 and field.upper() != "UNKNOWN":
        return field
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::") and c.count(" :: ") >= 2]
    return " OR ".join(classifiers) or "see the licence text"


def license_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """(file name, text) for each licence file the distribution installed."""
    texts = []
    for file in dist.files or []:
        if ".dist-info" in str(file) and _LICENSE_FILE.search(file.name):
            try:
                text = Path(str(file.locate())).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            texts.append((str(file), text))
    return texts


def installed_summary() -> list[ThirdParty]:
    return [ThirdParty(d.metadata["Name"], d.version, declared_license(d))
            for d in dependency_closure()]


def bundled_folder() -> Path | None:
    """The bundle's licence folder, when running frozen (PyInstaller)."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / NOTICES_FOLDER if getattr(sys, "frozen", False) and base else None


def summary() -> list[ThirdParty]:
    """The third-party components of this app: from the bundle's list when frozen."""
    folder = bundled_folder()
    if folder is None:
        return installed_summary()
    raw = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    return [ThirdParty(**item) for item in raw]


def summary_text(items: list[ThirdParty]) -> str:
    return "\n".join(f"{i.name} {i.version}: {i.license}" for i in items)


def write_notices(folder: Path) -> list[ThirdParty]:
    """Write the list (JSON) and every licence text (one text file) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    dists = dependency_closure()
    items = [ThirdParty(d.metadata["Name"], d.version, declared_license(d)) for d in dists]
    (folder / SUMMARY_FILE).write_text(
        json.dumps([asdict(i) for i in items], indent=1) + "\n", encoding="utf-8")
    parts = ["Third-party software in Field Concierge\n", summary_text(items), ""]
    for dist, item in zip(dists, items, strict=True):
        parts.append(f"\n{'=' * 78}\n{item.name} {item.version} ({item.license})\n{'=' * 78}")
        texts = license_texts(dist)
        parts.extend(f"--- {name}\n{text.rstrip()}\n" for name, text in texts)
        if not texts:
            parts.append("(no licence file shipped; licence as declared above)\n")
    (folder / TEXTS_FILE).write_text("\n".join(parts), encoding="utf-8")
    return items
