"""The project's licence is declared once, and every source file says which it is."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path
from types import ModuleType

from concierge import licenses

ROOT = Path(__file__).resolve().parents[2]


def _add_spdx() -> ModuleType:
    spec = importlib.util.spec_from_file_location("add_spdx", ROOT / "scripts" / "add-spdx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_licence_file_matches_the_declared_licence() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == _add_spdx().LICENSE_ID == "Apache-2.0"
    assert "LICENSE" in project["license-files"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]


def test_every_source_file_carries_the_spdx_line() -> None:
    spdx = _add_spdx()
    files = spdx.sources(list(spdx.CHECKED_FOLDERS))
    assert len(files) > 100
    missing = [str(p.relative_to(ROOT)) for p in files if not spdx.has_header(p.read_text())]
    assert missing == [], f"run scripts/add-spdx.py: {missing[:10]}"


def test_the_header_goes_after_a_shebang_and_only_once() -> None:
    spdx = _add_spdx()
    script = "#!/usr/bin/env python3\nprint(1)\n"
    once = spdx.with_header(script)
    assert once.splitlines()[:2] == ["#!/usr/bin/env python3", spdx.HEADER.strip()]
    assert spdx.has_header(once) and not spdx.has_header(script)
    assert spdx.has_header(spdx.with_header('"""Doc."""\n'))


def test_third_party_list_names_the_runtime_dependencies_not_the_office(tmp_path) -> None:
    items = licenses.write_notices(tmp_path)
    names = {i.name.lower().replace("_", "-") for i in items}
    assert {"pydantic", "requests", "numpy", "keyring"} <= names
    assert not names & {"fastapi", "uvicorn", "sqlalchemy", "pytest", "field-concierge"}
    assert all(i.license for i in items)
    listed = json.loads((tmp_path / licenses.SUMMARY_FILE).read_text())
    assert [d["name"] for d in listed] == [i.name for i in items]
    texts = (tmp_path / licenses.TEXTS_FILE).read_text()
    assert "Permission is hereby granted" in texts or "Apache License" in texts


def test_a_bundle_reads_the_list_written_at_build_time(tmp_path, monkeypatch) -> None:
    import sys

    written = licenses.write_notices(tmp_path / licenses.NOTICES_FOLDER)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert licenses.bundled_folder() == tmp_path / licenses.NOTICES_FOLDER
    assert licenses.summary() == written
