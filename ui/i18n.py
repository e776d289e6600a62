# SPDX-License-Identifier: Apache-2.0
"""The UI's language: our catalogue (concierge.i18n) plus Qt's own qtbase translations.

Call ``install`` after the QApplication exists and before any widget is built: Qt needs
its translator first, and the reference must be held (it is, in ``_qt_translator``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from concierge.i18n import PSEUDO, SOURCE, negotiate, set_ui_language

log = logging.getLogger(__name__)
_qt_translator: QTranslator | None = None


def system_language() -> str:
    return negotiate([tag.replace("-", "_") for tag in QLocale.system().uiLanguages()])


def resolve(setting: str) -> str:
    """The UI language for the Settings value ``system | en | de | pseudo``."""
    return system_language() if setting in ("", "system") else negotiate([setting])


def install(app: QCoreApplication, setting: str = "system") -> str:
    """Choose the UI language, set QLocale's default and load qtbase's translations."""
    global _qt_translator  # noqa: PLW0603
    language = resolve(setting)
    set_ui_language(language)
    qt_tag = "de" if language == PSEUDO else language
    QLocale.setDefault(QLocale(qt_tag))
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if qt_tag != SOURCE:
        translator = QTranslator(app)
        path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(QLocale(qt_tag), "qtbase", "_", path):
            app.installTranslator(translator)
            _qt_translator = translator
        else:
            log.warning("Qt's own %s translations not found in %s", qt_tag, path)
    return language
