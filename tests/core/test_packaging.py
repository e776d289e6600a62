"""The packaging files are well-formed and point at files that exist."""

from __future__ import annotations

import configparser
import importlib.util
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

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




# --- the bundle's build: both executables, the Windows icon and version resource -----------

def _bundle_meta() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_meta", ROOT / "packaging/bundle_meta.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_meta"] = module  # the spec imports it by this name
    spec.loader.exec_module(module)
    return module


class _Recorded:
    """Stands in for one of PyInstaller's build targets and remembers how it was made."""

    made: ClassVar[list[_Recorded]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.kind = type(self).__name__
        self.args, self.kwargs = args, kwargs
        self.scripts, self.pure, self.binaries, self.datas = ["entry-script"], [], [], []
        _Recorded.made.append(self)


def _run_spec(workpath: Path) -> list[_Recorded]:
    """Execute the spec as PyInstaller would, with its targets recorded instead of built."""
    _bundle_meta()
    _Recorded.made = []
    kinds = {name: type(name, (_Recorded,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    spec_file = ROOT / "packaging/field-concierge.spec"
    namespace = {"SPECPATH": str(spec_file.parent), "workpath": str(workpath), **kinds}
    exec(compile(spec_file.read_text(), str(spec_file), "exec"), namespace)
    return _Recorded.made


def test_spec_analyses_the_entry_point_once_for_a_gui_and_a_console_executable(tmp_path) -> None:
    made = _run_spec(tmp_path)
    (analysis,) = [t for t in made if t.kind == "Analysis"]
    assert analysis.args[0] == [str(ROOT / "packaging/entry.py")]
    assert {"concierge_office", "fastapi", "uvicorn", "sqlalchemy"} <= set(
        analysis.kwargs["excludes"])
    exes = {t.kwargs["name"]: t for t in made if t.kind == "EXE"}
    assert set(exes) == {"field-concierge", "concierge"}
    assert exes["field-concierge"].kwargs["console"] is False
    assert exes["concierge"].kwargs["console"] is True
    for exe in exes.values():
        assert exe.args[1] is analysis.scripts  # both run the one entry point
        assert exe.kwargs["icon"].endswith(".ico") and Path(exe.kwargs["version"]).is_file()
    (collect,) = [t for t in made if t.kind == "COLLECT"]
    assert all(any(exe is arg for arg in collect.args) for exe in exes.values())
    destinations = {dest for _src, dest in analysis.kwargs["datas"]}
    assert {"resources", "licenses", "share/metainfo"} <= destinations
    assert any(dest.startswith("field_concierge-") and dest.endswith(".dist-info")
               for dest in destinations)  # importlib.metadata.version() works frozen
    licences = tmp_path / "bundle-meta" / "licenses"
    assert (licences / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    assert "PySide6" in (licences / "THIRD-PARTY-LICENSES.txt").read_text()


def test_windows_icon_is_a_valid_multi_size_ico(tmp_path) -> None:
    from PIL import Image

    ico = _bundle_meta().write_ico(tmp_path / "app.ico")
    assert ico.read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICONDIR: reserved 0, type 1 (icon)
    with Image.open(ico) as image:
        assert image.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(image.info["sizes"])


def test_windows_version_resource_carries_the_one_version(tmp_path, monkeypatch) -> None:
    # PyInstaller's own reader; pefile and win32api only serve to patch a real .exe.
    import PyInstaller.compat

    monkeypatch.setitem(sys.modules, "pefile", ModuleType("pefile"))
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo

    meta = _bundle_meta()
    path = meta.write_version_file(version("field-concierge"), tmp_path / "version.txt")
    info = versioninfo.load_version_info_from_text_file(str(path))
    numbers = meta.version_tuple(version("field-concierge"))
    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == (
        numbers[0] << 16 | numbers[1], numbers[2] << 16 | numbers[3])
    assert f"StringStruct('ProductVersion', '{version('field-concierge')}')" in str(info)
    assert len(info.toRaw()) > 200  # it serialises to the binary resource
    assert meta.version_tuple("1.2.3rc1+local") == (1, 2, 3, 0)


def test_metainfo_release_is_the_one_version(tmp_path) -> None:
    meta = _bundle_meta()
    checked_in = ET.parse(meta.METAINFO).getroot().find("releases")
    assert checked_in is not None and checked_in[0].get("version") == version("field-concierge")
    out = meta.write_metainfo("9.9.9", "2030-01-02", tmp_path / "m.xml")
    first = ET.parse(out).getroot().find("releases")[0]  # type: ignore[index]
    assert (first.get("version"), first.get("date")) == ("9.9.9", "2030-01-02")


def test_inno_setup_script_installs_both_executables_at_the_built_version() -> None:
    iss = (ROOT / "packaging/windows/field-concierge.iss").read_text()
    assert "AppVersion={#AppVersion}" in iss and "#error" in iss  # version given by the build
    assert "field-concierge.exe" in iss and "concierge.exe" in iss
    assert "SetupIconFile=" in iss and "LicenseFile=" in iss
