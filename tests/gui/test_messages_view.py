"""The Messages view: what a tester does with the store (list, filter, search, open, conversation, export).

The store is filled through the core (real examples and the simulated receiver's Responses);
expectations come from the core's own queries and round trips, never from copies of results.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import LOAD_TIMEOUT_MS, drop, make_window
from PySide6.QtCore import Qt

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.store import ORDERS, MessageStore, Query, default_store_path
from workbench.core.store.conversations import stored_round_trip
from workbench.core.validation.runner import Validator
from workbench.gui.main_window import MainWindow
from workbench.gui.messages import view as view_module
from workbench.gui.messages.model import (
    COLUMNS,
    CONVERSATION,
    NHS_NUMBER,
    PENDING,
    STORED_ROLE,
    WHAT,
    MessageTableModel,
)
from workbench.gui.messages.tasks import PAGE_SIZE
from workbench.gui.messages.view import MessagesView

MESSAGES = EXAMPLES / "FHIR_MESH" / "test_messages"
OPL = MESSAGES / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
TIMEOUT_MS = 20_000


def fill_store(paths: list[Path]) -> list[int]:
    """Import files into the store the window will use; return their row ids."""
    with MessageStore(default_store_path()) as store:
        return [store.import_bytes(path.read_bytes(), str(path), Validator())[0].id for path in paths]


def store_responses(data: bytes) -> list[bytes]:
    """Store a message and the Responses the simulated receiver answers it with; return them."""
    decision = decide(data, ReceiverSettings(), ReceiverState(), clock=VirtualClock(), ids=SequentialIds("view"))
    with MessageStore(default_store_path()) as store:
        store.import_bytes(data, "message.xml")
        for response in decision.responses:
            store.import_bytes(response.data, f"response-{response.code}.xml")
    return [r.data for r in decision.responses]


def show_messages(qtbot, window: MainWindow) -> MessagesView:
    """View › Messages, and wait for the first listing."""
    view = window.mesh.view
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS):
        window.menu_actions["messages"].trigger()
    assert window.mesh.dock.isVisible() and window.menu_actions["messages"].isChecked()
    return view


def listed(qtbot, view: MessagesView, change) -> list[int]:
    """Do something that lists again; return the ids listed."""
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS) as blocker:
        change()
    return list(blocker.args[0].ids)


def all_rows_read(qtbot, model: MessageTableModel) -> None:
    for row in range(model.rowCount()):
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: all(model.stored(r) is not None for r in range(model.rowCount())), timeout=TIMEOUT_MS)


@pytest.fixture
def window(qtbot) -> MainWindow:
    return make_window(qtbot)


def test_list_filter_and_search_like_the_store(qtbot, qtmodeltester) -> None:
    paths = sorted(require_shared(MESSAGES).glob("*.xml"))
    ids = fill_store(paths)
    window = make_window(qtbot)
    view = show_messages(qtbot, window)
    model = view.model
    assert model.rowCount() == len(ids) and [model.id_at(r) for r in range(len(ids))] == sorted(ids, reverse=True)
    all_rows_read(qtbot, model)
    qtmodeltester.check(model)
    with MessageStore(default_store_path()) as store:
        itk009d = store.query(Query(event="ITK009D"))
        first = store.get(ids[0])
        assert first is not None
        same_id = [r.id for r in store.query(Query(text=first.message_id))]
    assert first.nhs_number
    # filter by event, as the user picks it
    combo = view.filters.event_box
    got = listed(qtbot, view, lambda: combo.setCurrentIndex(combo.findData("ITK009D")))
    assert got == [r.id for r in itk009d] and got
    all_rows_read(qtbot, model)
    assert {model.data(model.index(r, WHAT)) for r in range(model.rowCount())} == {"ITK009D"}
    # direction: nothing was sent
    direction = view.filters.direction
    assert listed(qtbot, view, lambda: direction.setCurrentIndex(direction.findData("out"))) == []
    listed(qtbot, view, view.filters.clear)
    assert model.rowCount() == len(ids)
    # search by NHS number and by MessageHeader id, typed (the search waits for a pause)
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS) as blocker:
        qtbot.keyClicks(view.filters.search, first.nhs_number)
    assert first.id in blocker.args[0].ids
    assert blocker.args[0].query.text == first.nhs_number  # one query for the whole number, after the pause
    got = listed(qtbot, view, lambda: view.filters.set_search(first.message_id or ""))
    assert got == same_id and first.id in got
    assert listed(qtbot, view, lambda: view.filters.set_search("no-such-word-anywhere")) == []
    assert view.count_label.text().startswith("0 messages")
    # dates: stored today, nothing before 2001
    view.filters.set_search("")
    qtbot.waitUntil(lambda: model.rowCount() == len(ids), timeout=TIMEOUT_MS)
    from PySide6.QtCore import QDate

    assert listed(qtbot, view, lambda: view.filters.until.setDate(QDate(2001, 1, 1))) == []
    assert len(listed(qtbot, view, lambda: view.filters.until.setDate(QDate.currentDate()))) == len(ids)


def test_open_a_stored_message_in_a_tab_once(qtbot, window) -> None:
    data = require_shared(OPL).read_bytes()
    [row_id] = fill_store([OPL])
    view = show_messages(qtbot, window)
    assert view.select_id(row_id)
    qtbot.waitUntil(view.commands["open"].isEnabled, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    tab = blocker.args[0]
    assert tab.session.source == data  # the bytes as kept, byte for byte
    assert tab.name().startswith("ITK006D") and f"#{row_id}" in tab.name()
    count = window.tabs.count()
    window.tabs.setCurrentIndex(-1)
    with qtbot.waitSignal(view.sig_open_requested, timeout=TIMEOUT_MS):
        view.open_selected()
    assert window.tabs.count() == count and window.current_tab() is tab  # the same bytes: that tab comes forward


def test_a_conversation_is_drawn_and_listed_together(qtbot, window) -> None:
    data = require_shared(OPL).read_bytes()
    responses = store_responses(data)
    view = show_messages(qtbot, window)
    all_rows_read(qtbot, view.model)
    message_row = next(r for r in range(view.model.rowCount()) if view.model.stored(r).event == "ITK006D")
    with qtbot.waitSignal(view.sig_conversation_shown, timeout=TIMEOUT_MS) as blocker:
        view.table.selectRow(message_row)
    shown = blocker.args[0]
    stored = view.model.stored(message_row)
    with MessageStore(default_store_path()) as store:
        expected = stored_round_trip(store, stored.conversation)
    diagram = view.conversation.diagram
    assert [(a.event.kind, a.event.label) for a in diagram.diagram_layout().arrows] == [
        (e.kind, e.label) for e in expected.result.arrows
    ]
    assert diagram.arrow_count() == 1 + len(responses) and diagram.isVisible()
    assert expected.result.conversation.state_label in view.conversation.heading.text()
    # List Its Messages: the table shows the conversation alone, and a chip to go back
    got = listed(qtbot, view, lambda: qtbot.mouseClick(view.conversation.list_button, Qt.MouseButton.LeftButton))
    assert sorted(got) == sorted(r.id for r in shown.rows) and len(got) == 1 + len(responses)
    assert view.filters.chip.isVisible()
    # click the infrastructure Response's arrow: it opens in a tab
    layout = diagram.diagram_layout()
    index = next(i for i, a in enumerate(layout.arrows) if a.event.itk_code == "20013")
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOAD_TIMEOUT_MS) as opened:
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=diagram.arrow_centre(index).toPoint())
    assert opened.args[0].session.source == responses[0]
    assert "Response 20013" in opened.args[0].name()
    assert listed(qtbot, view, view.filters.chip.click) and not view.filters.chip.isVisible()


def test_export_the_bytes_and_import_by_dropping(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    data = require_shared(OPL).read_bytes()
    [row_id] = fill_store([OPL])
    view = show_messages(qtbot, window)
    view.select_id(row_id)
    qtbot.waitUntil(view.commands["export"].isEnabled, timeout=TIMEOUT_MS)
    target = tmp_path / "exported.xml"
    monkeypatch.setattr(view_module, "ask_export_file", lambda parent, suggested: str(target))
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS):
        view.commands["export"].trigger()
    assert target.read_bytes() == data
    # several into a folder
    other = MESSAGES / "ITK009D_ITK_Immunization_Document.xml"
    dropped = tmp_path / "drop"
    dropped.mkdir()
    (dropped / other.name).write_bytes(other.read_bytes())
    (dropped / "broken.xml").write_bytes(b"<Bundle xmlns='http://hl7.org/fhir'><oops")
    assert view.acceptDrops()
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS) as blocker:
        view.dropEvent(drop(dropped))
    assert len(blocker.args[0].ids) == 3  # the folder's two files, the unreadable one too
    all_rows_read(qtbot, view.model)
    assert "unreadable" in {view.model.data(view.model.index(r, WHAT)) for r in range(3)}
    view.table.selectAll()
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(view_module, "ask_export_folder", lambda parent, directory: str(folder))
    with qtbot.waitSignal(view.sig_listed, timeout=TIMEOUT_MS):
        view.export_selected()
    assert sorted(p.read_bytes() for p in folder.iterdir()) == sorted(
        [data, other.read_bytes(), b"<Bundle xmlns='http://hl7.org/fhir'><oops"]
    )


def test_a_hundred_thousand_messages_are_read_a_page_at_a_time(qtbot, window) -> None:
    [row_id] = fill_store([require_shared(OPL)])
    total = 100_000
    database = sqlite3.connect(default_store_path())
    database.execute(
        """WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO messages (sha256, size, direction, transport, kind, state, created_at, event,
                                 message_id, conversation, nhs_number, mailbox, peer)
           SELECT m.sha256, m.size, CASE WHEN i % 2 THEN 'in' ELSE 'out' END, 'mesh', 'message', 'sent',
                  m.created_at, m.event, 'msg-' || i, 'msg-' || i, m.nhs_number, 'X26ABC1', 'X26ABC2'
           FROM n, messages AS m WHERE m.id = ?""",
        (total, row_id),
    )
    database.commit()
    database.close()
    view = show_messages(qtbot, window)
    model = view.model
    assert model.rowCount() == total
    read = sum(1 for r in range(0, total, PAGE_SIZE) if model.stored(r) is not None)
    assert read <= 3  # the first page, and what is on show
    assert model.data(model.index(total - 1, 0)) == PENDING  # the last page is not read yet...
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.stored(total - 1) is not None, timeout=TIMEOUT_MS)
    assert model.stored(total - 1).id == row_id  # ...until it is shown: the oldest is the first stored
    assert model.data(model.index(total - 1, WHAT)) == "ITK006D"
    assert model.data(model.index(0, CONVERSATION)) == ""  # a received row has no conversation state
    assert model.data(model.index(0, 0), STORED_ROLE).message_id == f"msg-{total}"


def test_the_view_and_its_layout_come_back(qtbot) -> None:
    fill_store([require_shared(OPL)])
    first = make_window(qtbot)
    view = show_messages(qtbot, first)
    view.table.setColumnWidth(WHAT, 333)
    first.close()
    second = make_window(qtbot)
    assert second.mesh.dock.isVisible() and second.menu_actions["messages"].isChecked()
    assert second.mesh.view.table.columnWidth(WHAT) == 333
    with qtbot.waitSignal(second.mesh.dock.visibilityChanged, timeout=TIMEOUT_MS):
        second.menu_actions["messages"].trigger()  # Ctrl+Shift+M hides it again
    assert not second.mesh.dock.isVisible() and not second.menu_actions["messages"].isChecked()


def test_a_store_that_cannot_be_used_is_named(qtbot) -> None:
    path = default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not SQLite at all" * 100)
    window = make_window(qtbot)
    window.menu_actions["messages"].trigger()
    qtbot.waitUntil(lambda: window.message_bar.message() != "", timeout=TIMEOUT_MS)
    text = window.message_bar.message()
    assert str(path) in text and "not a usable message store" in text and window.message_bar.level() == "error"
    assert window.mesh.view.count_label.text() == "The messages could not be listed"
    assert path.read_bytes().startswith(b"this is not SQLite")  # left as it was


def test_a_click_on_a_column_sorts_the_whole_store_by_it(qtbot, window) -> None:
    """Sorting is the store's (every row, not only those read), remembered, and cleared by a third click."""
    paths = sorted(require_shared(MESSAGES).glob("*.xml"))
    ids = fill_store(paths)
    view = show_messages(qtbot, window)
    model = view.model
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == -1  # the order stored, newest first

    def shown(column: int) -> list[str]:
        all_rows_read(qtbot, model)
        return [model.data(model.index(r, column)) or "" for r in range(model.rowCount())]

    got = listed(
        qtbot, view, lambda: qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=_centre(header, WHAT))
    )
    assert len(got) == len(ids) and view.query().order == "what" and view.query().ascending
    events = shown(WHAT)
    assert events == sorted(events) and len(set(events)) > 3
    with MessageStore(default_store_path()) as store:
        assert got == [r.id for r in store.query(Query(order="what", ascending=True, limit=None))]
    listed(qtbot, view, lambda: view.sort_by(WHAT, Qt.SortOrder.DescendingOrder))
    assert shown(WHAT) == sorted(events, reverse=True)
    listed(qtbot, view, lambda: view.sort_by(NHS_NUMBER, Qt.SortOrder.AscendingOrder))
    numbers = shown(NHS_NUMBER)
    assert numbers == sorted(numbers)
    # a filter keeps the sort
    combo = view.filters.direction
    listed(qtbot, view, lambda: combo.setCurrentIndex(combo.findData("in")))
    assert view.query().order == "nhs_number" and view.query().direction == "in"
    listed(qtbot, view, view.filters.clear)
    window.close()
    again = make_window(qtbot)
    second = again.mesh.view  # the dock comes back shown, and lists at once
    qtbot.waitUntil(lambda: second.model.rowCount() == len(ids), timeout=TIMEOUT_MS)
    assert second.query().order == "nhs_number" and second.query().ascending  # remembered
    with MessageStore(default_store_path()) as store:
        by_number = [r.id for r in store.query(Query(order="nhs_number", ascending=True, limit=None))]
    assert [second.model.id_at(r) for r in range(len(ids))] == by_number != sorted(ids, reverse=True)
    assert listed(qtbot, second, lambda: second.sort_by(-1, Qt.SortOrder.DescendingOrder)) == sorted(ids, reverse=True)


def test_every_column_has_a_sort_the_store_knows() -> None:
    assert len(ORDERS) == len(COLUMNS)
    with MessageStore(default_store_path()) as store:
        for order in ORDERS:
            for ascending in (True, False):
                assert store.query(Query(order=order, ascending=ascending)) == []
    with pytest.raises(ValueError, match="cannot sort by 'size'"):
        Query(order="size")


def _centre(header, column: int):
    from PySide6.QtCore import QPoint

    return QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
