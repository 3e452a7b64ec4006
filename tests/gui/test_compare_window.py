"""Compare: two messages side by side as trees, differences marked, listed, counted and stepped
through (F8, Shift+F8), selection kept in step, what changes on every send left out on request.

Expectations come from the core's comparison of the same files (its counts and paths) and from
how the files were made (a message's own JSON, a masked copy's replacements, a resent copy),
never from copies of the window's text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import make_window, open_and_wait
from PySide6.QtCore import QModelIndex, Qt

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_file, render
from workbench.core.itk3.view import message_view
from workbench.core.toolkit.diff import diff_documents
from workbench.core.toolkit.masking import Masker
from workbench.gui.context import AppContext
from workbench.gui.toolkit.compare.differences import PATH
from workbench.gui.toolkit.compare.model import HOLDS_ROLE, KIND_ROLE, DiffTreeModel
from workbench.gui.toolkit.compare.window import CompareWindow
from workbench.gui.toolkit.compare.work import CompareSource

MESSAGES = EXAMPLES / "FHIR_MESH" / "test_messages"
ITK003D = MESSAGES / "ITK003D_ITK_eDischarge.xml"
ITK004D = MESSAGES / "ITK004D_ITK_MentalHealtheDischarge.xml"
ITK009D = MESSAGES / "ITK009D_ITK_Immunization_Document.xml"
COMPARE_TIMEOUT_MS = 30_000


@pytest.fixture
def compare_window(qtbot) -> CompareWindow:
    window = CompareWindow(AppContext())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def compared(qtbot, window: CompareWindow, a: Path | CompareSource, b: Path | CompareSource):
    a = a if isinstance(a, CompareSource) else CompareSource.file(str(a))
    b = b if isinstance(b, CompareSource) else CompareSource.file(str(b))
    with qtbot.waitSignal(window.sig_compared, timeout=COMPARE_TIMEOUT_MS) as blocker:
        window.compare(a, b)
    return blocker.args[0]


def walk(model: DiffTreeModel, parent: QModelIndex | None = None):
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        yield index
        yield from walk(model, index)


def marked(model: DiffTreeModel) -> dict[str, int]:
    counts: dict[str, int] = {}
    for index in walk(model):
        kind = model.data(index, KIND_ROLE)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_two_real_messages_side_by_side(qtbot, qtmodeltester, compare_window: CompareWindow) -> None:
    require_shared(ITK003D)
    result = compared(qtbot, compare_window, ITK003D, ITK004D).result
    expected = diff_documents(read_file(ITK003D), read_file(ITK004D))
    assert [d.path for d in result.differences] == [d.path for d in expected.differences]
    counts = expected.counts()
    assert not expected.same
    # the count, the legend and the table say what the core found
    assert compare_window.summary_label.text().startswith(expected.summary())
    assert compare_window.count_label.text().strip() == f"difference 1 of {len(expected.differences)}"
    for kind, number in counts.items():
        assert compare_window.legend.labels[kind].text() == f"{number} {kind}"
    assert compare_window.diff_model.rowCount() == len(expected.differences)
    assert [
        compare_window.diff_model.data(compare_window.diff_model.index(r, PATH))
        for r in range(compare_window.diff_model.rowCount())
    ] == [d.path for d in expected.differences]
    # each side marks its own: A what it has (changed, removed, moved), B what it has
    a_marks, b_marks = marked(compare_window.model_a), marked(compare_window.model_b)
    assert a_marks.get("added", 0) == 0 and b_marks.get("removed", 0) == 0
    assert a_marks.get("removed", 0) > 0 and b_marks.get("added", 0) > 0
    root = compare_window.model_a.index(0, 0)
    assert compare_window.model_a.data(root, HOLDS_ROLE) is True
    qtmodeltester.check(compare_window.model_a)
    qtmodeltester.check(compare_window.model_b)
    qtmodeltester.check(compare_window.diff_model)


def test_next_and_previous_keep_both_sides_in_step(qtbot, compare_window: CompareWindow) -> None:
    require_shared(ITK003D)
    result = compared(qtbot, compare_window, ITK003D, ITK004D).result
    compare_window.activateWindow()
    qtbot.waitActive(compare_window)
    assert compare_window.current_difference() is result.differences[0]
    qtbot.keyClick(compare_window.view_a, Qt.Key.Key_F8)
    qtbot.keyClick(compare_window.view_a, Qt.Key.Key_F8)
    assert compare_window.current_difference() is result.differences[2]
    assert compare_window.count_label.text().strip() == f"difference 3 of {len(result.differences)}"
    qtbot.keyClick(compare_window.view_a, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    difference = compare_window.current_difference()
    assert difference is result.differences[1]
    # both trees show the difference's elements, and the table its row
    if difference.node_a is not None:
        assert compare_window.model_a.node(compare_window.view_a.currentIndex()) is difference.node_a
    if difference.node_b is not None:
        assert compare_window.model_b.node(compare_window.view_b.currentIndex()) is difference.node_b
    assert compare_window.table.currentIndex().row() == 1
    # the buttons do the same
    compare_window.menu_actions["previous_difference"].trigger()
    assert compare_window.current_difference() is result.differences[0]
    assert not compare_window.menu_actions["previous_difference"].isEnabled()
    # selecting an element on one side selects its counterpart on the other
    a_model, b_model = compare_window.model_a, compare_window.model_b
    header_a = next(i for i in walk(a_model) if str(a_model.data(i)).startswith("MessageHeader"))
    compare_window.view_a.setCurrentIndex(header_a)
    picked = b_model.node(compare_window.view_b.currentIndex())
    assert picked is result.counterpart(a_model.node(header_a))
    assert str(b_model.data(compare_window.view_b.currentIndex())).startswith("MessageHeader")


def test_xml_and_json_of_the_same_message_compare_equal(qtbot, compare_window: CompareWindow, tmp_path: Path) -> None:
    require_shared(ITK009D)
    as_json = tmp_path / "ITK009D.json"
    as_json.write_bytes(render(read_file(ITK009D), "json"))
    result = compared(qtbot, compare_window, ITK009D, as_json).result
    assert result.same
    assert compare_window.summary_label.text() == "The two messages are the same"
    assert compare_window.diff_model.rowCount() == 0 and not marked(compare_window.model_a)
    assert not compare_window.menu_actions["next_difference"].isEnabled()


def test_a_message_and_its_masked_copy(qtbot, compare_window: CompareWindow, tmp_path: Path) -> None:
    require_shared(ITK009D)
    masked = Masker("compare").mask_bytes(ITK009D.read_bytes(), str(ITK009D))
    copy = tmp_path / "masked.xml"
    copy.write_bytes(masked.data)
    result = compared(qtbot, compare_window, ITK009D, copy).result
    # only what masking replaced differs, each a value changed in place
    assert {d.kind for d in result.differences} == {"changed"}
    replaced = {r.path for r in masked.replacements}
    assert {d.path for d in result.differences} <= replaced
    assert len(result.differences) == len({r.path for r in masked.replacements if r.part == "value"})
    assert marked(compare_window.model_a) == {"changed": len(result.differences)}
    assert marked(compare_window.model_b) == {"changed": len(result.differences)}


def test_a_message_sent_again_compares_equal_without_what_changes_on_every_send(
    qtbot, compare_window: CompareWindow, tmp_path: Path
) -> None:
    first, again = tmp_path / "first.xml", tmp_path / "again.xml"
    first.write_bytes(render(sample_message(clock=VirtualClock(), ids=SequentialIds("first")), "xml"))
    resent = sample_message(clock=VirtualClock(), ids=SequentialIds("again"))  # the same message, new ids
    timestamp = message_view(resent).header.find("timestamp")
    timestamp.value = timestamp.value.replace("T09:", "T10:", 1)  # sent an hour later
    again.write_bytes(render(resent, "xml"))
    compare_window.set_ignore_volatile(False)
    result = compared(qtbot, compare_window, first, again).result
    assert any(d.path.endswith("resource.timestamp") for d in result.differences)
    assert any(d.path.endswith("fullUrl") for d in result.differences)
    with qtbot.waitSignal(compare_window.sig_compared, timeout=COMPARE_TIMEOUT_MS) as blocker:
        compare_window.menu_actions["ignore_volatile"].trigger()
    assert blocker.args[0].result.same and blocker.args[0].result.ignore_volatile
    assert compare_window.summary_label.text().startswith("The two messages are the same (ids")
    # the choice is remembered for the next Compare window
    assert CompareWindow(compare_window._context).ignore_volatile()


@pytest.mark.allow_log
def test_an_unreadable_side_is_named_with_its_line(qtbot, compare_window: CompareWindow, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b'<Bundle xmlns="http://hl7.org/fhir">\n  <id value="x"/>\n  <type value="message">\n')
    good = tmp_path / "good.xml"
    good.write_bytes(render(sample_message(clock=VirtualClock(), ids=SequentialIds("good")), "xml"))
    with qtbot.waitSignal(compare_window.sig_compare_failed, timeout=COMPARE_TIMEOUT_MS) as blocker:
        compare_window.compare(CompareSource.file(str(good)), CompareSource.file(str(broken)))
    text = blocker.args[0]
    assert text.startswith("B (broken.xml) could not be read: ") and "line " in text
    assert compare_window.message_bar.message() == text and compare_window.message_bar.level() == "error"
    assert compare_window.compared() is None


def test_tools_compare_chooses_two_tabs(qtbot, tmp_path: Path) -> None:
    require_shared(ITK003D)
    window = make_window(qtbot)
    open_and_wait(qtbot, window, ITK003D)
    second = open_and_wait(qtbot, window, ITK004D)
    window.menu_actions["compare"].trigger()
    chooser = window.toolkit.chooser
    assert chooser is not None and chooser.isVisible()
    a, b = chooser.chosen()
    assert a.name == second.name() and b.name == ITK003D.name  # A is the tab shown, B the next one
    with qtbot.waitSignal(window.toolkit.sig_compare_opened) as opened:
        chooser.buttons.button(chooser.buttons.StandardButton.Ok).click()
    compare = opened.args[0]
    qtbot.waitUntil(lambda: compare.compared() is not None, timeout=COMPARE_TIMEOUT_MS)
    expected = diff_documents(read_file(ITK004D), read_file(ITK003D))
    assert len(compare.compared().result.differences) == len(expected.differences)
    assert "open tab" in compare.title_a.text()
    compare.close()


def test_a_tab_compared_with_a_dropped_file_as_it_is_now(qtbot, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xml"
    data = render(sample_message(clock=VirtualClock(), ids=SequentialIds("tab")), "xml")
    copy.write_bytes(data)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, copy)
    endpoint = tab.session.labels.view.header.find("source.endpoint")
    original = endpoint.value
    tab.session.set_value(endpoint, "EDITED01")
    compare = window.compare_with(tab, str(copy))
    qtbot.waitUntil(lambda: compare.compared() is not None, timeout=COMPARE_TIMEOUT_MS)
    [difference] = compare.compared().result.differences
    assert (difference.kind, difference.a, difference.b) == ("changed", "EDITED01", original)
    assert "(edited)" in compare.title_a.text()
    compare.close()


def _many_patients(count: int, odd_one: int | None = None) -> bytes:
    entries = "".join(
        f'<entry><fullUrl value="urn:uuid:p-{i}"/><resource><Patient><id value="p-{i}"/>'
        f'<gender value="{"male" if i == odd_one else "female"}"/></Patient></resource></entry>'
        for i in range(count)
    )
    return f'<Bundle xmlns="http://hl7.org/fhir"><id value="b"/><type value="collection"/>{entries}</Bundle>'.encode()


def test_a_large_bundle_offers_its_rows_a_batch_at_a_time(
    qtbot, qtmodeltester, compare_window: CompareWindow, tmp_path: Path
) -> None:
    from workbench.gui.inspector.tree_model import FETCH_BATCH

    count = FETCH_BATCH * 2 + 200
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    first.write_bytes(_many_patients(count))
    odd_one = FETCH_BATCH + 200  # in the second batch of rows
    second.write_bytes(_many_patients(count, odd_one=odd_one))
    [difference] = compared(qtbot, compare_window, first, second).result.differences
    assert difference.path == f"Bundle.entry[{odd_one}].resource.gender"
    # gone to: the difference in the second batch is selected on both sides
    assert compare_window.model_a.node(compare_window.view_a.currentIndex()) is difference.node_a
    assert compare_window.model_b.node(compare_window.view_b.currentIndex()) is difference.node_b
    # the model offers a batch at a time, and the batches up to a row asked for
    model = DiffTreeModel("a")
    model.set_document(compare_window.compared().document_a)
    root = model.index(0, 0)
    assert model.rowCount(root) == FETCH_BATCH and model.canFetchMore(root)
    assert model.index_of(difference.node_a).isValid()
    assert model.rowCount(root) == 2 * FETCH_BATCH  # id, type, and the entries of two batches
    model.fetchMore(root)
    assert model.rowCount(root) == count + 2 and not model.canFetchMore(root)
    qtmodeltester.check(compare_window.model_b)


def test_tools_compare_chooses_two_files(qtbot, tmp_path: Path, monkeypatch) -> None:
    from workbench.gui.toolkit import asking

    first, second = tmp_path / "first.xml", tmp_path / "second.json"
    message = sample_message(clock=VirtualClock(), ids=SequentialIds("files"))
    first.write_bytes(render(message, "xml"))
    second.write_bytes(render(message, "json"))
    window = make_window(qtbot)
    chooser = window.toolkit.compare_dialog()
    ok = chooser.buttons.button(chooser.buttons.StandardButton.Ok)
    assert chooser.chosen() is None and not ok.isEnabled()  # no tab open: nothing chosen yet
    answers = iter([str(first), str(second)])
    monkeypatch.setattr(asking, "ask_message_path", lambda parent, directory="": next(answers))
    qtbot.mouseClick(chooser.browse_a, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(chooser.browse_b, Qt.MouseButton.LeftButton)
    assert [side.path for side in chooser.chosen()] == [str(first), str(second)] and ok.isEnabled()
    with qtbot.waitSignal(window.toolkit.sig_compare_opened) as opened:
        ok.click()
    compare = opened.args[0]
    qtbot.waitUntil(lambda: compare.compared() is not None, timeout=COMPARE_TIMEOUT_MS)
    assert compare.compared().result.same  # the same message in XML and in JSON
    compare.close()


def test_swap_sides_compares_b_with_a(qtbot, compare_window: CompareWindow) -> None:
    require_shared(ITK003D)
    before = compared(qtbot, compare_window, ITK003D, ITK004D).result.counts()
    assert compare_window.menu_actions["swap_sides"].isEnabled()
    with qtbot.waitSignal(compare_window.sig_compared, timeout=COMPARE_TIMEOUT_MS) as blocker:
        compare_window.menu_actions["swap_sides"].trigger()
    swapped = blocker.args[0].result
    expected = diff_documents(read_file(ITK004D), read_file(ITK003D))
    assert [d.path for d in swapped.differences] == [d.path for d in expected.differences]
    assert swapped.counts().get("added", 0) == before.get("removed", 0)
    assert swapped.counts().get("removed", 0) == before.get("added", 0)
    assert compare_window.title_a.text().startswith("A (left)") and ITK004D.name in compare_window.title_a.text()
    assert ITK003D.name in compare_window.title_b.text()
    assert marked(compare_window.model_b).get("added", 0) == before.get("removed", 0)


def test_nothing_to_swap_before_a_comparison(qtbot, compare_window: CompareWindow) -> None:
    assert not compare_window.menu_actions["swap_sides"].isEnabled()
    compare_window.swap_sides()  # does nothing, says nothing
    assert compare_window.compared() is None and not compare_window.is_busy()
