"""The packaging files are well-formed and point at files that exist."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_desktop_template_has_the_required_keys() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(files("resources").joinpath("concierge.desktop.in").read_text())
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert "@EXEC@" in entry["Exec"] and entry["Icon"] == "@ICON@"
    assert entry["Categories"].endswith(";")


def test_metainfo_names_the_desktop_entry_the_installer_writes() -> None:
    tree = ET.parse(ROOT / "packaging/linux/io.fieldconcierge.FieldConcierge.metainfo.xml")
    assert tree.findtext("launchable") == "field-concierge.desktop"
    script = (ROOT / "packaging/linux/install-desktop-entry.sh").read_text()
    assert "applications/field-concierge.desktop" in script


def test_every_icon_size_the_installer_copies_exists() -> None:
    icons = files("resources").joinpath("icons")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert icons.joinpath(f"concierge-{size}.png").is_file()
    assert icons.joinpath("concierge.svg").is_file()


def test_spec_builds_from_the_entry_point() -> None:
    spec = (ROOT / "packaging/field-concierge.spec").read_text()
    assert "entry.py" in spec and (ROOT / "packaging/entry.py").is_file()
