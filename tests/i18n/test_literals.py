"""A lint: user-visible text never bypasses the catalogue.

An AST walk over ``ui/`` and the core's person-facing modules flags an English string
literal or f-string handed straight to a widget text, tooltip, accessible name, window
title, placeholder, message box, status message or to the report/CLI output; and
``float(<widget>.text())``, which breaks on "18,5".
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "ui").rglob("*.py")),
    *sorted((ROOT / "concierge" / "session").glob("*.py")),
    ROOT / "concierge" / "insights" / "text.py",
    ROOT / "concierge" / "commands.py",
    ROOT / "concierge" / "cli.py",
    *sorted((ROOT / "concierge" / "store").glob("*.py")),
]
# Calls whose (positional) arguments a person reads.
SHOWN = {
    "setText": (0,), "setWindowTitle": (0,), "setToolTip": (0,), "setPlaceholderText": (0,),
    "setAccessibleName": (0,), "setAccessibleDescription": (0,), "setStatusTip": (0,),
    "setTitle": (0,), "showMessage": (0,), "setSuffix": (0,), "setPrefix": (0,),
    "setTabText": (1,), "addTab": (1,), "addMenu": (0,), "addAction": (0,), "addItem": (0,),
    "addRow": (0,), "addButton": (0,), "setNameFilter": (0,), "drawText": (2, 1),
    "QLabel": (0,), "QPushButton": (0,), "QCheckBox": (0,), "QRadioButton": (0,),
    "QGroupBox": (0,), "QAction": (0,), "QListWidgetItem": (0,), "QTableWidgetItem": (0,),
    "QMessageBox": (1, 2), "QFileDialog": (1,), "information": (1, 2), "warning": (1, 2),
    "critical": (1, 2), "question": (1, 2),
    # our own helpers that put text on screen
    "label": (0,), "button": (0, 2), "named": (2,), "line_edit": (1,), "card": (0,),
    "_label": (0,), "_card": (0,), "_action": (0,), "_message": (0, 1), "notify": (0, 1),
    "empty_state": (0, 1, 2), "show_error": (0,), "_set_saved": (0,), "_show": (0,),
    "print": (0,), "CommandError": (0,), "_fail": (0,), "SessionError": (0,),
    "MeasurementError": (0,), "StoreError": (0,), "command": (1,),
}
KEYWORDS = {"help", "description", "text", "title", "toolTip", "placeholderText"}
# Texts that are the same in every language.
ALLOWED = {"Field Concierge", "concierge"}
WORDS = re.compile(r"[A-Za-z]{2,}")
MARKUP = re.compile(r"<[^>]*>|\*\.\w+|&\w+;")  # HTML tags, file patterns, entities
KEY = re.compile(r"[a-z_]+")
ARGPARSE = {"add_argument", "add_parser", "ArgumentParser"}


def _visible(node: ast.expr) -> str | None:
    """The English text of a literal or f-string (None: computed text)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    else:
        return None
    text = MARKUP.sub("", text)
    if KEY.fullmatch(text) or text.strip() in ALLOWED:
        return None  # a role or key such as "error", not a sentence
    return text if WORDS.search(text) else None


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        args = [node.args[i] for i in SHOWN.get(name or "", ()) if i < len(node.args)]
        if name in SHOWN or name in ARGPARSE:
            args += [k.value for k in node.keywords if k.arg in KEYWORDS]
        for arg in args:
            for part in _parts(arg):
                text = _visible(part)
                if text is not None:
                    found.append(f"{path.relative_to(ROOT)}:{part.lineno}: {name}({text!r})")
        if name == "float" and node.args and isinstance(node.args[0], ast.Call) \
                and _name(node.args[0]) == "text":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: float(….text())")
    return found


def _parts(node: ast.expr) -> list[ast.expr]:
    """The pieces of an argument a person reads: both sides of ``a if c else b``, of
    ``a + b`` and of ``a or b``, each item of a list."""
    if isinstance(node, ast.IfExp):
        return [*_parts(node.body), *_parts(node.orelse)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_parts(node.left), *_parts(node.right)]
    if isinstance(node, ast.BoolOp):  # ``value or "fallback"``
        return [p for v in node.values for p in _parts(v)]
    if isinstance(node, ast.List | ast.Tuple):
        return [p for e in node.elts for p in _parts(e)]
    return [node]


def test_no_user_visible_literal_bypasses_the_catalogue() -> None:
    found = [p for path in SOURCES for p in problems(path)]
    assert found == [], "wrap these in _()/msg() (concierge.i18n):\n" + "\n".join(found)


def test_the_lint_catches_the_classes_it_is_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "label.setText('Saved')\n"
        "w.setToolTip(f'{n} changes pending')\n"
        "box = QMessageBox(icon, 'Unsent changes', text)\n"
        "x.setText(_('ok') if a else 'Not yet')\n"
        "value = float(edit.text())\n"
        "label.setText(_('Saved'))\n"
        "label.setText(name)\n"
        "_label(contact or 'No contact on file')\n"
        "@command('recover', 'move what a damaged store holds')\n"
        "def recover(): pass\n"
        "raise StoreError(f'The store {path} is closed.')\n"
    )
    import tests.i18n.test_literals as me  # noqa: PLW0406 (its ROOT, for the sample)

    old = me.ROOT
    me.ROOT = tmp_path
    try:
        found = problems(bad)
    finally:
        me.ROOT = old
    assert len(found) == 8, found
