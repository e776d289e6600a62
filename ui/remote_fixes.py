# SPDX-License-Identifier: Apache-2.0
"""Resolved behind the scenes: what the office fixed remotely at the technician's customers
(what was done, when, the telemetry that verified it). Read from the local store, so it
works offline; the sync brings it with the customers' sites."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from concierge.i18n import _, ngettext, tr
from concierge.office_text import customer_note
from concierge.session.text import fmt_value, label_name
from ui.format import clock, date_text, local, place_text
from ui.visit.data import spec_for
from ui.visit.evidence import action_name


def when_text(fix: Any) -> str:
    moment = local(fix.concluded_at or fix.decided_at)
    return f"{date_text(moment)} {clock(moment)}" if moment is not None else "—"


def verified_text(fix: Any, asset: Any | None) -> str:
    """The telemetry that proved the fix: the metric before and after it."""
    spec = spec_for(str(asset.kind), fix.metric) if asset is not None else None
    if spec is None:
        spec = next((s for k in ("elevator", "cable_gateway", "heat_pump")
                     if (s := spec_for(k, fix.metric)) is not None), None)
    metric = label_name(spec.label) if spec is not None else fix.metric
    unit = spec.unit if spec is not None else ""
    return _("{metric}: {before} before, {after} after").format(
        metric=metric, before=fmt_value(fix.baseline, unit), after=fmt_value(fix.observed, unit))


def told_text(fix: Any) -> str:
    """What the office told the customer, in the UI language when it is a playbook's."""
    return _("Told the customer: {note}").format(note=tr(customer_note(fix)))


def asset_text(asset: Any | None, fix: Any) -> str:
    return f"{asset.model} ({asset.serial})" if asset is not None else str(fix.asset_id)


def fix_sentence(fix: Any, asset: Any | None) -> str:
    """One fix in a sentence, for the visit page and screen readers."""
    return _("{when}: {action} on {asset}, verified by telemetry ({verified}).").format(
        when=when_text(fix), action=action_name(fix), asset=asset_text(asset, fix),
        verified=verified_text(fix, asset))


class WrappingRows(QStyledItemDelegate):
    """Rows as high as their wrapped text in the columns' widths now (a tree view measures
    rows without the column's width, so wrapped text would be cut off)."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree
        relayout = QTimer(tree, singleShot=True, interval=0)
        relayout.timeout.connect(tree.doItemsLayout)  # measure the rows again
        tree.header().sectionResized.connect(relayout.start)

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        text = str(index.data() or "")
        width = self.tree.columnWidth(index.column()) - 10  # the cell's padding
        if width <= 0 or not text:
            return size
        bound = option.fontMetrics.boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text)
        return QSize(size.width(), max(size.height(), bound.height() + 6))


class RemoteFixesDialog(QDialog):
    """Every remote fix at the technician's customers, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteFixesDialog")
        self.setWindowTitle(_("Resolved remotely"))
        self.resize(820, 420)
        self.intro = QLabel(_("Loading…"))
        self.intro.setObjectName("remoteFixesIntro")
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("remoteFixesList")
        self.tree.setAccessibleName(_("Problems the office resolved remotely at your "
                                      "customers"))
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([_("When"), _("Customer"), _("Asset"), _("What was done"),
                                   _("Verified by")])
        # short columns as wide as their text; what was done and its proof share the rest
        # and wrap, so nothing is cut off however narrow the screen or long the language
        self.tree.setWordWrap(True)
        self.tree.setItemDelegate(WrappingRows(self.tree))
        header = self.tree.header()
        for column in range(self.tree.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents
                                        if column < 3 else QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("remoteFixesButtons")
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("remoteFixesClose")
        close.setAccessibleName(_("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)

    def set_fixes(self, fixes: list[tuple[Any, Any, Any | None]]) -> None:
        """(site, fix, asset or None) rows, as ``Store.remote_fixes`` gives them."""
        self.tree.clear()
        for site, fix, asset in fixes:
            item = QTreeWidgetItem([when_text(fix), place_text(site.customer_name, site.name),
                                    asset_text(asset, fix), action_name(fix),
                                    verified_text(fix, asset)])
            tip = fix_sentence(fix, asset) + (
                "\n" + told_text(fix) if fix.customer_note.strip() else "")
            for column in range(self.tree.columnCount()):
                item.setToolTip(column, tip)
            self.tree.addTopLevelItem(item)
        self.intro.setText(ngettext(
            "{count} problem the office resolved remotely at your customers in the last 90 "
            "days, before anyone had to go. Worth a word at your next visit.",
            "{count} problems the office resolved remotely at your customers in the last 90 "
            "days, before anyone had to go. Worth a word at your next visit.",
            len(fixes)).format(count=len(fixes)) if fixes else _(
            "Nothing was resolved remotely at your customers in the last 90 days."))


def site_fixes_card(site: Any, assets: list[Any]) -> QFrame | None:
    """The visit page's card: what was resolved remotely at this customer (None if nothing)."""
    fixes = list(getattr(site, "remote_fixes", []))
    if not fixes:
        return None
    by_id = {a.id: a for a in assets}
    frame = QFrame()
    frame.setObjectName("remoteFixesCard")
    frame.setProperty("card", True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    heading = QLabel(_("Resolved remotely at this customer"))
    heading.setProperty("role", "cardTitle")
    layout.addWidget(heading)
    for fix in fixes:
        row = QLabel(fix_sentence(fix, by_id.get(fix.asset_id)))
        row.setObjectName("remoteFixRow")
        row.setWordWrap(True)
        row.setTextFormat(Qt.TextFormat.PlainText)
        row.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if fix.customer_note.strip():
            row.setToolTip(told_text(fix))
        layout.addWidget(row)
    return frame
