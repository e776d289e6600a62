from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.factories import Row, now_plus
from ui.board.model import ROW_ROLE, Column
from ui.board.view import BoardView

pytestmark = pytest.mark.qt


def _rows() -> list[Row]:
    return [
        Row("v1", customer_name="Nordlift", summary="Door motor overheating in ~9 days",
            priority=2, window_start=now_plus(3), window_end=now_plus(3, 2)),
        Row("v2", customer_name="Heatwise", summary="COP falling", priority=1,
            window_start=now_plus(0, 0.1), window_end=now_plus(0, 2)),
        Row("v3", customer_name="CableCo", summary="SNR dropping", priority=3,
            status="completed", window_start=now_plus(-2), window_end=now_plus(-2, 1)),
        Row("v4", customer_name="Acme", summary="Latency up", priority=4,
            status="proposed", window_start=now_plus(1), window_end=now_plus(1, 1),
            offline_ready=False, pending_changes=True, has_conflict=True),
    ]


def _ids(board: BoardView) -> list[str]:
    proxy = board.proxy
    return [proxy.index(r, 0).data(ROW_ROLE).id for r in range(proxy.rowCount())]


@pytest.fixture
def board(qtbot) -> BoardView:
    view = BoardView()
    qtbot.addWidget(view)
    view.set_rows(_rows())
    return view


def test_sorts_by_priority_then_time(board: BoardView) -> None:
    assert _ids(board) == ["v2", "v1", "v3", "v4"]
    board.sort.setCurrentIndex(1)  # time
    assert _ids(board) == ["v3", "v2", "v4", "v1"]
    board.table.sortByColumn(Column.CUSTOMER, Qt.SortOrder.DescendingOrder)
    assert _ids(board) == ["v1", "v2", "v3", "v4"]


def test_groups_filter_and_search(board: BoardView) -> None:
    board.set_group("done")
    assert _ids(board) == ["v3"]
    board.set_group("today")
    assert _ids(board) == ["v2"]
    board.set_group("upcoming")
    assert set(_ids(board)) == {"v1", "v4"}
    board.set_group("")
    board.status.setCurrentIndex(board.status.findData("proposed"))
    assert _ids(board) == ["v4"]
    board.status.setCurrentIndex(0)
    board.search.setText("door MOTOR")
    assert _ids(board) == ["v1"]
    board.search.setText("nothing like this")
    assert board.stack.currentWidget() is board.no_match
    board.clear_button.click()
    assert len(_ids(board)) == 4 and board.stack.currentWidget() is board.table


def test_group_tabs_show_counts(board: BoardView) -> None:
    texts = [board.groups.tabText(i) for i in range(board.groups.count())]
    assert texts == ["Today (1)", "Upcoming (2)", "Done (1)", "All (4)"]


def test_row_texts_say_what_matters(board: BoardView) -> None:
    row = board.model.row_of("v4")
    texts = [board.model.index(row, c).data() for c in Column]
    assert texts[Column.PRIORITY] == "Low"
    assert texts[Column.CUSTOMER] == "Acme · HQ"
    assert texts[Column.REASON] == "Latency up"
    assert texts[Column.STATUS] == "Proposed"
    assert texts[Column.OFFLINE] == "… Not yet · unsent changes · conflict"
    assert texts[Column.WINDOW].startswith("Tomorrow")


def test_enter_opens_the_current_visit(qtbot, board: BoardView) -> None:
    board.show()
    board.table.setFocus()
    board.select_visit("v1")
    with qtbot.waitSignal(board.open_visit) as blocker:
        qtbot.keyClick(board.table, Qt.Key.Key_Return)
    assert blocker.args == ["v1"]


def test_selection_survives_a_reload(board: BoardView) -> None:
    board.select_visit("v4")
    board.set_rows(_rows())
    assert board.current_visit_id() == "v4"


def test_every_interactive_widget_is_named(board: BoardView) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QTabBar

    for cls in (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QTabBar):
        for widget in board.findChildren(cls):
            name = widget.objectName()
            if widget.parent() is board or (name and not name.startswith("qt_")):
                assert widget.objectName() and widget.accessibleName(), widget


def test_cell_texts_are_made_once_and_again_after_midnight(board: BoardView,
                                                           monkeypatch) -> None:
    import ui.board.model as model_module
    from ui.format import window_text

    model = board.model
    v2 = model.row_of("v2")
    calls: list[object] = []
    counted = model._text

    def text(row, col):
        calls.append(col)
        return counted(row, col)

    monkeypatch.setattr(model, "_text", text)
    index = model.index(v2, Column.WINDOW)
    first = index.data()
    assert first.startswith("Today") and index.data() == first
    assert len(calls) == len(Column)  # formatted once, for the whole row
    # after midnight the same visit is yesterday's: the texts are made again
    tomorrow = model._texts_until + 1
    monkeypatch.setattr(model_module, "epoch_seconds", lambda: tomorrow)
    monkeypatch.setattr(model_module, "window_text", lambda a, b: window_text(
        a, b, now=now_plus(1)))
    assert index.data().startswith("Yesterday")
    assert len(calls) == 2 * len(Column)
