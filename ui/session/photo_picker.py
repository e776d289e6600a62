# SPDX-License-Identifier: Apache-2.0
"""The photo picker: opens in the Pictures folder and shows photos as thumbnails.

Thumbnails are read on a worker (``ui.tasks``), scaled while decoding; until one is
ready its file shows the usual icon, so a folder of large photos never holds the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDir, QFileInfo, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFileIconProvider,
    QLineEdit,
    QListView,
    QWidget,
)

from concierge.i18n import _

THUMB = 96  # px, the longer side
IMAGE_SUFFIXES = frozenset(("png", "jpg", "jpeg"))


def pictures_folder() -> str:
    """The person's Pictures folder, else their home: never the program's or current folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return folder if folder and Path(folder).is_dir() else QDir.homePath()


def read_thumbnail(path: str, size: int = THUMB) -> QImage:
    """The image at ``path`` scaled to fit ``size`` (decoded at that size where the format
    allows: a JPEG is not read in full). Any thread; a null image if unreadable."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # a portrait photo stands upright
    full = reader.size()
    if full.isValid() and not full.isEmpty():
        reader.setScaledSize(full.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class ThumbnailIcons(QFileIconProvider):
    """A photo's icon is its thumbnail once a worker has read it."""

    def __init__(self, tasks: Any, dialog: QFileDialog) -> None:
        super().__init__()
        self._tasks, self._dialog = tasks, dialog
        self.thumbnails: dict[tuple[str, int], QIcon] = {}
        self._asked: set[tuple[str, int]] = set()
        # the dialog's model keeps the icons it was given: it is handed this provider
        # again (it then asks for every icon anew) once a batch of thumbnails is in
        self._refresh = QTimer(dialog, singleShot=True, interval=100)
        self._refresh.timeout.connect(lambda: dialog.setIconProvider(self))

    def icon(self, what: Any) -> QIcon:
        if isinstance(what, QFileInfo) and what.suffix().lower() in IMAGE_SUFFIXES:
            key = (what.absoluteFilePath(), what.lastModified().toSecsSinceEpoch())
            ready = self.thumbnails.get(key)
            if ready is not None:
                return ready
            if key not in self._asked:
                self._asked.add(key)
                # an unreadable file keeps the usual icon: nothing to tell
                self._tasks.io(lambda: read_thumbnail(key[0]), parent=self._dialog).success(
                    lambda image: self._ready(key, image)).failure(lambda _error: None).run()
        return super().icon(what)

    def _ready(self, key: tuple[str, int], image: QImage) -> None:
        if image.isNull():
            return  # not an image after all: it keeps the usual icon
        self.thumbnails[key] = QIcon(QPixmap.fromImage(image))
        self._refresh.start()


class PhotoDialog(QFileDialog):
    """A file dialog for a photo (or a PDF or text file) that opens in Pictures and shows
    large thumbnails: Qt's own dialog, as the platform's cannot show them everywhere.
    Without ``tasks`` (no worker to read them) files keep their usual icons."""

    def __init__(self, parent: QWidget, title: str, tasks: Any | None) -> None:
        super().__init__(parent, title, pictures_folder())
        self.setObjectName("photoDialog")
        self.setOption(QFileDialog.Option.DontUseNativeDialog)
        self._name_parts()
        self.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.setViewMode(QFileDialog.ViewMode.List)
        self.icons = ThumbnailIcons(tasks, self) if tasks is not None else None
        if self.icons is not None:
            self.setIconProvider(self.icons)
        view = self.findChild(QListView, "listView")
        if view is not None:
            view.setViewMode(QListView.ViewMode.IconMode)
            view.setIconSize(QSize(THUMB, THUMB))
            view.setGridSize(QSize(THUMB + 40, THUMB + 36))
            view.setResizeMode(QListView.ResizeMode.Adjust)
            view.setWordWrap(True)

    def _name_parts(self) -> None:
        """Qt's dialog names its parts for code, not for screen readers: say what they are."""
        spoken = {(QComboBox, "lookInCombo"): _("Folder"),
                  (QLineEdit, "fileNameEdit"): _("File name"),
                  (QComboBox, "fileTypeCombo"): _("Kinds of file shown")}
        for (kind, name), words in spoken.items():
            part = self.findChild(kind, name)
            if part is not None:
                part.setAccessibleName(words)
        box = self.findChild(QDialogButtonBox, "buttonBox")
        if box is not None:
            for which, name, words in (
                    (QDialogButtonBox.StandardButton.Open, "photoOpen", _("Attach this file")),
                    (QDialogButtonBox.StandardButton.Cancel, "photoCancel", _("Cancel"))):
                button = box.button(which)
                if button is not None:
                    button.setObjectName(name)
                    button.setAccessibleName(words)
