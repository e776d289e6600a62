"""Build-time metadata for the bundles, all from the one version (importlib.metadata).

Used by ``field-concierge.spec`` (PyInstaller) and checked by tests/core/test_packaging.py:
the Windows icon (.ico made from the PNG sizes with Pillow), the Windows version resource,
the AppStream metainfo with this release, and the licence folder.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

DIST_NAME = "field-concierge"
ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
METAINFO = ROOT / "packaging" / "linux" / "io.fieldconcierge.FieldConcierge.metainfo.xml"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
GUI_NAME = "field-concierge"  # the windowed app
CLI_NAME = "concierge"  # the console command (same entry point: no subcommand starts the GUI)
OFFICE_STACK = (
    "concierge_office", "fastapi", "starlette", "uvicorn", "httptools", "msgspec",
    "sqlalchemy", "argon2", "pytest", "hypothesis", "schemathesis",
)


def app_version() -> str:
    return version(DIST_NAME)


def release_date(epoch: str | None) -> str:
    """The release date: SOURCE_DATE_EPOCH's day (reproducible), else today."""
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def write_ico(out: Path) -> Path:
    """A multi-size Windows icon from the checked-in PNGs (Pillow: build-only)."""
    from PIL import Image

    largest = Image.open(ICONS / "concierge-256.png").convert("RGBA")
    out.parent.mkdir(parents=True, exist_ok=True)
    largest.save(out, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    return out


def version_tuple(text: str) -> tuple[int, int, int, int]:
    """'0.2.0' -> (0, 2, 0, 0); pre/post/local parts are dropped (Windows wants 4 numbers)."""
    release = re.match(r"\d+(\.\d+)*", text)
    numbers = [int(n) for n in release.group(0).split(".")] if release else []
    padded = (*numbers, 0, 0, 0, 0)
    return padded[0], padded[1], padded[2], padded[3]


def write_version_file(app_version: str, out: Path) -> Path:
    """PyInstaller's Windows version resource (VSVersionInfo text)."""
    numbers = version_tuple(app_version)
    strings = {
        "CompanyName": "Field Concierge contributors",
        "FileDescription": "Field Concierge",
        "FileVersion": app_version,
        "InternalName": GUI_NAME,
        "LegalCopyright": "Apache License 2.0",
        "OriginalFilename": f"{GUI_NAME}.exe",
        "ProductName": "Field Concierge",
        "ProductVersion": app_version,
    }
    structs = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
          {structs}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])]),
  ]
)
""", encoding="utf-8")
    return out


def write_metainfo(app_version: str, date: str, out: Path) -> Path:
    """The AppStream metainfo with this release first (added if the file lacks it)."""
    tree = ET.parse(METAINFO)
    releases = tree.getroot().find("releases")
    assert releases is not None, f"{METAINFO} has no <releases>"
    if not any(r.get("version") == app_version for r in releases):
        releases.insert(0, ET.Element("release", version=app_version, date=date))
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(tree)
    tree.write(out, encoding="UTF-8", xml_declaration=True)
    return out


def write_licenses(out: Path) -> Path:
    """The app's LICENSE and the third-party list and texts of what the bundle ships."""
    from concierge.licenses import write_notices

    write_notices(out)
    shutil.copyfile(ROOT / "LICENSE", out / "LICENSE")
    return out
