"""Shared helpers: the extraction script as a module, and the German catalogue."""

from __future__ import annotations

import importlib.util
import string
from pathlib import Path
from types import ModuleType
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
DE_PO = ROOT / "concierge" / "locale" / "de" / "LC_MESSAGES" / "concierge.po"


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "i18n_catalogue", ROOT / "scripts" / "i18n_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def german() -> Catalog:
    with DE_PO.open("rb") as f:
        return read_po(f, locale="de")


def fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text)
            if name is not None}


def key(message: Any) -> tuple[str | None, str]:
    ident = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, ident
