"""The message catalogue: extract from source, update the translations, compile.

    python scripts/i18n_catalogue.py update    # concierge.pot and every .po (make i18n-update)
    python scripts/i18n_catalogue.py compile   # .po -> .mo (make setup/test; .mo not in git)

Only our own markers are extracted (no default keywords), so a stray ``gettext()``
from elsewhere never lands in the catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "concierge" / "locale"
POT = LOCALE_DIR / "concierge.pot"
SOURCES = ("concierge", "ui")
# The project's own demo content that the app shows (the office's demo checklist steps).
EXTRA_FILES = ("concierge_office/demo_templates.py",)
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "N_": None,
    "msg": (1,),
    "pmsg": ((1, "c"), 2),
    "nmsg": (1, 2),
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "say": (1,),  # ui/session/report_pdf.py: the report's sentences
    "h2": (1,),
}
COMMENT_TAGS = ["TRANSLATORS:"]


def extract() -> Catalog:
    """Every marked message in the sources, as a template catalogue."""
    catalog = Catalog(project="Field Concierge", msgid_bugs_address="", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS, strip_comment_tags=True,
        ):
            catalog.add(message, None, [(f"{source}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    for name in EXTRA_FILES:
        for lineno, message, comments, context in extract_from_file(
            "python", ROOT / name, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        ):
            catalog.add(message, None, [(name, lineno)], auto_comments=comments,
                        context=context)
    return catalog


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/concierge.po"))


def update() -> None:
    template = extract()
    with POT.open("wb") as f:
        write_po(f, template, width=100, omit_header=False, sort_by_file=True)
    for po in po_files():
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as f:
            write_po(f, catalog, width=100, ignore_obsolete=True, sort_by_file=True)
        print(f"updated {po.relative_to(ROOT)}")


def compile_all(target: Path = LOCALE_DIR) -> list[Path]:
    """Compile every .po to .mo under ``target`` (the tree itself, or a temp dir)."""
    written = []
    for po in po_files():
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        mo = target / po.relative_to(LOCALE_DIR).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
    elif argv[1:] == ["compile"]:
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
