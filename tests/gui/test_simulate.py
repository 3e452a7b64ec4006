"""The Simulate window: one-click round trips drawn as a sequence diagram, playback, open, export.

Expectations come from the core (the catalogue's positivity of each code, the simulation's
events) and from the picture itself (pixels on each arrow), not from copies of the results.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import document_of, labels, make_simulate_window, make_window, open_and_wait, shown
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage

from workbench.core.acks.patterns import pattern
from workbench.core.acks.runs import RoundTrip
from workbench.core.catalogue import catalogue
from workbench.core.codecs import read_bytes, render
from workbench.core.itk3.view import message_view
from workbench.gui.context import AppContext
from workbench.gui.simulate.conversation_model import CODES, STATE
from workbench.gui.simulate.diagram import OpenRequest, SequenceDiagram
from workbench.gui.simulate.painting import label_boxes
from workbench.gui.simulate.window import DEFAULT_RECEIVER, SimulateWindow

RUN_TIMEOUT_MS = 30_000
ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"


@pytest.fixture
def window(qtbot) -> SimulateWindow:
    return make_simulate_window(qtbot)


def run(qtbot, window: SimulateWindow, start) -> RoundTrip:
    """Start a run (a click) and wait for its round trip."""
    with qtbot.waitSignal(window.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        start()
    trip = blocker.args[0]
    assert window.diagram.trip() is trip
    return trip


def click_pattern(qtbot, window: SimulateWindow, key: str) -> RoundTrip:
    return run(
        qtbot, window, lambda: qtbot.mouseClick(window.send_panel.pattern_buttons[key], Qt.MouseButton.LeftButton)
    )


def row_text(window: SimulateWindow, column: int, row: int = -1) -> str:
    row = window.model.rowCount() - 1 if row < 0 else row
    return str(window.model.data(window.model.index(row, column)))


def pixel_colour(diagram: SequenceDiagram, point: QPointF) -> QColor:
    """The colour the complete diagram has at a point (layout coordinates)."""
    image = diagram.render_image(scale=1)
    return image.pixelColor(point.toPoint())


def hue_of(colour: QColor) -> str:
    """``red``, ``green`` or ``blue``: the channel that dominates a painted pixel."""
    channels = {"red": colour.red(), "green": colour.green(), "blue": colour.blue()}
    name = max(channels, key=channels.__getitem__)
    assert channels[name] - min(channels.values()) > 40, f"{colour.name()} is grey, not a coloured arrow"
    return name


#: What a trainer must see: messages blue, positive Responses green, negative ones red.
EXPECTED_HUE = {"none": "blue", "positive": "green", "negative": "red"}


def is_positive(code: str | None) -> bool:
    found = catalogue().response(code or "")
    assert found is not None, code
    return found.positive


# ---- full acknowledgement ------------------------------------------------------------------------


def test_full_acknowledgement_round_trip_draws_four_arrows(qtbot, window) -> None:
    trip = click_pattern(qtbot, window, "full")
    arrows = window.diagram.diagram_layout().arrows
    assert window.diagram.arrow_count() == window.diagram.arrow_count_shown() == len(arrows) == 4
    message, infrastructure, business, ack = (a.event for a in arrows)
    # Direction: message and ack-of-ack go to the receiver, the Responses come back.
    assert (message.source, message.target, message.kind) == ("Sender", "Receiver", "message")
    assert (infrastructure.source, infrastructure.target) == ("Receiver", "Sender")
    assert (business.source, business.target) == ("Receiver", "Sender")
    assert (ack.source, ack.target, ack.kind) == ("Sender", "Receiver", "ack-of-ack")
    assert infrastructure.itk_code == "20013" and infrastructure.level == "infrastructure"
    assert business.itk_code.startswith("3") and business.level == "business"
    assert ack.itk_code == "20013" and ack.answers == business.message_id
    assert message.event_code == "ITK003D" and infrastructure.event_code == catalogue().response_event
    # Arrows on screen: left to right for Sender -> Receiver, time flows down.
    layout = window.diagram.diagram_layout()
    for arrow in arrows:
        assert arrow.start.x() == layout.lane_x(arrow.event.source)
        assert arrow.end.x() == layout.lane_x(arrow.event.target)
        assert arrow.end.y() > arrow.start.y()
    assert [a.start.y() for a in arrows] == sorted(a.start.y() for a in arrows)
    # Labels: event, code and time.
    boxes = label_boxes(layout)
    assert "ITK003D" in boxes[0].title
    assert boxes[1].title.startswith("20013")
    assert boxes[2].title.startswith(business.itk_code)
    for box, arrow in zip(boxes, arrows, strict=True):
        assert f"sent {arrow.event.time:g} s" in box.detail
    # Colours by outcome, read from the painted picture just after each arrow's start.
    for arrow in arrows:
        outcome = (
            "none" if arrow.event.itk_code is None else "positive" if is_positive(arrow.event.itk_code) else "negative"
        )
        assert hue_of(pixel_colour(window.diagram, arrow.point_at(0.04))) == EXPECTED_HUE[outcome], arrow.event.label
    # The conversation list.
    assert window.model.rowCount() == 1
    assert row_text(window, STATE) == "complete" == trip.result.final_state
    assert row_text(window, CODES) == f"20013, {business.itk_code}"


def test_conversation_model_passes_the_qt_model_tester(qtbot, qtmodeltester, window) -> None:
    click_pattern(qtbot, window, "technical")
    click_pattern(qtbot, window, "full")
    assert window.model.rowCount() == 2
    qtmodeltester.check(window.model)


def test_selecting_a_row_shows_that_round_trip(qtbot, window) -> None:
    first = click_pattern(qtbot, window, "technical")
    second = click_pattern(qtbot, window, "full")
    assert window.diagram.trip() is second
    window.table.selectRow(0)
    assert window.diagram.trip() is first
    assert window.diagram.arrow_count() == len(first.result.arrows) == 2


# ---- other patterns and negative codes -----------------------------------------------------------


@pytest.mark.parametrize("code", ["10001", "20009"])
def test_negative_infrastructure_code_rejects_with_one_red_response(qtbot, window, code) -> None:
    action = window.send_panel.negative_actions[code]
    trip = run(qtbot, window, action.trigger)
    arrows = window.diagram.diagram_layout().arrows
    responses = [a for a in arrows if a.event.kind == "response"]
    assert len(responses) == 1
    response = responses[0].event
    assert response.itk_code == code and not is_positive(code) and response.outcome == "negative"
    assert not any(a.event.level == "business" for a in arrows)
    assert len(arrows) == 2  # the message and its negative Response: nothing follows
    assert hue_of(pixel_colour(window.diagram, responses[0].point_at(0.04))) == "red"
    assert trip.result.final_state == "rejected"
    assert row_text(window, STATE).startswith("rejected")


def test_every_negative_code_has_a_one_click_entry(window) -> None:
    negatives = {r.code for r in catalogue().responses if not r.positive}
    assert set(window.send_panel.negative_actions) == negatives
    assert set(window.send_panel.pattern_buttons) == {"full", "technical-and-business", "technical", "fire-and-forget"}


def test_technical_and_business_has_no_ack_of_ack(qtbot, window) -> None:
    click_pattern(qtbot, window, "technical-and-business")
    kinds = [a.event.kind for a in window.diagram.diagram_layout().arrows]
    assert kinds == ["message", "response", "response"]


def test_fire_and_forget_draws_one_arrow(qtbot, window) -> None:
    trip = click_pattern(qtbot, window, "fire-and-forget")
    arrows = window.diagram.diagram_layout().arrows
    assert len(arrows) == 1
    assert arrows[0].event.kind == "message"
    assert not trip.result.responses
    assert row_text(window, CODES) == "—"
    assert pattern("fire-and-forget").title in trip.title


# ---- playback ------------------------------------------------------------------------------------


def test_step_play_and_pause_reveal_arrows_one_at_a_time(qtbot, window) -> None:
    click_pattern(qtbot, window, "full")
    diagram = window.diagram
    total = diagram.arrow_count()
    window.menu_actions["restart"].trigger()
    assert diagram.arrow_count_shown() == 0
    seen = []
    for _ in range(total):
        window.menu_actions["step"].trigger()
        seen.append(diagram.arrow_count_shown())
    assert seen == list(range(1, total + 1))
    window.menu_actions["step"].trigger()
    assert diagram.arrow_count_shown() == total  # nothing beyond the end
    window.menu_actions["step_back"].trigger()
    assert diagram.arrow_count_shown() == total - 1
    # The decision note shows only once the message has arrived.
    diagram.restart()
    assert not any(n.event.kind == "decision" for n in _visible_notes(diagram))
    diagram.step()
    assert any(n.event.kind == "decision" for n in _visible_notes(diagram))
    # Play reveals the arrows in order, one at a time, and stops at the end.
    diagram.set_speed(4.0)
    diagram.restart()
    heads: list[int] = []
    diagram.sig_playback_changed.connect(lambda state: heads.append(state.shown))
    window.menu_actions["play"].trigger()
    assert diagram.is_playing()
    qtbot.waitUntil(lambda: not diagram.is_playing(), timeout=10_000)
    assert diagram.arrow_count_shown() == total
    steps = sorted(set(heads))
    assert steps == list(range(total + 1))
    # Pause holds the head still.
    diagram.restart()
    diagram.play()
    qtbot.waitUntil(lambda: diagram.arrow_count_shown() >= 1, timeout=10_000)
    window.menu_actions["play"].trigger()  # Space: pause
    assert not diagram.is_playing()
    held = diagram.arrow_count_shown()
    with qtbot.assertNotEmitted(diagram.sig_playback_changed, wait=400):
        pass
    assert diagram.arrow_count_shown() == held < total


def _visible_notes(diagram: SequenceDiagram):
    from workbench.gui.simulate.painting import note_visible

    scene = diagram.scene()
    return [n for n in diagram.diagram_layout().notes if note_visible(scene, n)]


def test_animate_new_runs_starts_from_nothing(qtbot, window) -> None:
    window.menu_actions["animate"].setChecked(True)
    click_pattern(qtbot, window, "technical")
    assert window.diagram.is_playing()
    assert window.diagram.arrow_count_shown() < window.diagram.arrow_count()
    qtbot.waitUntil(lambda: window.diagram.arrow_count_shown() == window.diagram.arrow_count(), timeout=10_000)


# ---- clicking an arrow ---------------------------------------------------------------------------


def test_clicking_an_arrow_asks_to_open_its_bytes(qtbot, window) -> None:
    trip = click_pattern(qtbot, window, "full")
    diagram = window.diagram
    layout = diagram.diagram_layout()
    for index in (1, 0):
        event = layout.arrows[index].event
        with qtbot.waitSignal(window.sig_open_requested, timeout=2000) as blocker:
            qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=diagram.arrow_centre(index).toPoint())
        request: OpenRequest = blocker.args[0]
        assert request.data == event.data and request.event is event
        assert message_view(read_bytes(request.data)).event_code == event.event_code
        assert str(trip.number) in request.name
    # On the line itself, away from the label, a click hits the arrow too.
    arrow = layout.arrows[2]
    with qtbot.waitSignal(window.sig_open_requested, timeout=2000) as blocker:
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=arrow.point_at(0.06).toPoint())
    assert blocker.args[0].event is arrow.event
    # Empty space and hidden arrows open nothing.
    with qtbot.assertNotEmitted(window.sig_open_requested):
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=QPointF(layout.width - 5, layout.top + 5).toPoint())
        diagram.restart()
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=diagram.arrow_centre(0).toPoint())


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: the second show raises it
def test_clicking_an_arrow_opens_a_tab_and_a_second_click_brings_it_forward(qtbot) -> None:
    main = make_window(qtbot)
    simulate = main.show_simulate()
    qtbot.waitExposed(simulate)
    assert main.show_simulate() is simulate  # one Simulate window per main window
    trip = click_pattern(qtbot, simulate, "full")
    index = next(a.index for a in simulate.diagram.diagram_layout().arrows if a.event.itk_code == "20013")
    point = simulate.diagram.arrow_centre(index).toPoint()
    with qtbot.waitSignal(main.sig_message_opened, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(simulate.diagram, Qt.MouseButton.LeftButton, pos=point)
    response_tab = blocker.args[0]
    assert main.open_tabs() == [response_tab] and main.current_tab() is response_tab
    view = message_view(document_of(main))
    assert view.event_code == catalogue().response_event == "ITK008M"
    assert view.message_id == trip.result.responses[0].message_id
    assert any("ITK008M" in str(label) for label in labels(shown(main).tree.model))
    assert "Response 20013" in main.windowTitle() and "not a file" in response_tab.tooltip()
    assert not main._context.recent.paths()  # bytes are not a recent file
    # Double-clicking the conversation row opens the message that was sent, in a tab of its own.
    with qtbot.waitSignal(main.sig_message_opened, timeout=RUN_TIMEOUT_MS) as blocker:
        simulate.table.doubleClicked.emit(simulate.model.index(0, 0))
    message_tab = blocker.args[0]
    assert main.open_tabs() == [response_tab, message_tab]
    assert message_view(document_of(main)).message_id == trip.result.conversation.message_id
    # A second click on the Response's arrow brings its tab forward: the same bytes, no new tab.
    with qtbot.assertNotEmitted(main.sig_message_opened, wait=300):
        qtbot.mouseClick(simulate.diagram, Qt.MouseButton.LeftButton, pos=point)
    assert main.open_tabs() == [response_tab, message_tab] and main.current_tab() is response_tab
    assert response_tab.sha256() == hashlib.sha256(trip.result.arrows[index].data).hexdigest()


def test_simulate_action_is_in_the_tools_menu(qtbot) -> None:
    main = make_window(qtbot)
    action = main.menu_actions["simulate"]
    assert action.shortcut().toString() == "Ctrl+Shift+R"
    action.trigger()
    assert main.simulate_window is not None and main.simulate_window.isVisible()
    assert main.simulate_window.isWindow()


# ---- sending the main window's message -----------------------------------------------------------


def test_send_the_message_open_in_the_main_window(qtbot) -> None:
    path = require_shared(ITK009D)
    main = make_window(qtbot)
    open_and_wait(qtbot, main, path)
    simulate = main.show_simulate()
    assert simulate.send_panel.use_current()
    assert path.name in simulate.send_panel.current_label.text()
    trip = run(qtbot, simulate, lambda: qtbot.mouseClick(simulate.send_panel.send_button, Qt.MouseButton.LeftButton))
    sent = simulate.diagram.diagram_layout().arrows[0].event
    assert sent.kind == "message"
    assert sent.data == render(document_of(main), "xml")
    original = message_view(document_of(main))
    assert trip.result.conversation.message_id == original.message_id
    assert sent.event_code == original.event_code == "ITK009D"
    # What came back is what the codes say: rejected exactly when a negative code arrived.
    codes = [e.itk_code for e in trip.result.responses]
    assert codes, "the example asks for acknowledgements"
    rejected = any(not is_positive(code) for code in codes)
    assert (trip.result.final_state == "rejected") == rejected


def test_send_sample_with_chosen_flags(qtbot, window) -> None:
    panel = window.send_panel
    panel.set_use_current(True)  # no main window: falls back to the sample
    assert not panel.use_current()
    panel.bus_ack.setChecked(False)
    trip = run(qtbot, window, lambda: qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton))
    assert [e.level for e in trip.result.responses] == ["infrastructure"]
    assert trip.flags == "InfAck only"


# ---- receiver settings ---------------------------------------------------------------------------


def test_receiver_settings_form_changes_the_decision(qtbot, window) -> None:
    forced = window.settings_form.editors["forced"]
    forced.setCurrentIndex(forced.findData("20004"))
    assert window.settings_form.settings().forced == "20004"
    trip = run(qtbot, window, lambda: qtbot.mouseClick(window.send_panel.send_button, Qt.MouseButton.LeftButton))
    assert [e.itk_code for e in trip.result.responses] == ["20004"]
    assert trip.result.final_state == "rejected"
    # The business outcome chosen in the form is the business Response's code.
    forced.setCurrentIndex(forced.findData("(decide)"))
    business = window.settings_form.editors["business_code"]
    business.setCurrentIndex(business.findData("30002"))
    trip = click_pattern(qtbot, window, "technical-and-business")
    assert [e.itk_code for e in trip.result.responses] == ["20013", "30002"]


def test_unusable_settings_are_explained_and_nothing_runs(qtbot, window) -> None:
    ods = window.settings_form.editors["ods_code"]
    ods.setFocus()
    qtbot.keyClick(ods, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ods, Qt.Key.Key_Backspace)
    assert "ods_code" in window.settings_form.problem()
    assert window.settings_form.problem_label.isVisible()
    with qtbot.assertNotEmitted(window.sig_run_finished, wait=200):
        assert window.run_pattern("full") == -1
    assert "cannot be used" in window.message_bar.message()
    assert window.message_bar.level() == "error"


def test_settings_are_remembered(qtbot) -> None:
    context = AppContext()
    first = SimulateWindow(context)
    qtbot.addWidget(first)
    first.settings_form.editors["ods_code"].setText("RCV99")
    first.send_panel.latency.setValue(2.5)
    with qtbot.waitSignal(first.sig_run_finished, timeout=RUN_TIMEOUT_MS):
        first.run_pattern("technical")
    first.close()
    second = SimulateWindow(context)
    qtbot.addWidget(second)
    assert second.settings_form.settings().ods_code == "RCV99"
    assert second.send_panel.timing().latency == 2.5
    with qtbot.waitSignal(second.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        second.run_again()
    assert blocker.args[0].title == pattern("technical").title
    assert blocker.args[0].receiver.ods == "RCV99"


# ---- export --------------------------------------------------------------------------------------


def test_export_png_and_svg(qtbot, window, tmp_path) -> None:
    click_pattern(qtbot, window, "full")
    window.diagram.restart()  # the export is the complete diagram whatever playback shows
    layout = window.diagram.diagram_layout()
    png = tmp_path / "diagram.png"
    window.export_png(str(png))
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() >= 2 * layout.width - 1 and image.height() >= 2 * layout.height - 1
    svg = tmp_path / "diagram.svg"
    window.export_svg(str(svg))
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = {"".join(node.itertext()).strip() for node in root.iter() if node.tag.endswith("text")}
    for box in label_boxes(layout):
        assert box.title in texts
    assert {"Sender", "Receiver"} <= texts


def test_export_to_an_unwritable_place_raises(qtbot, window, tmp_path) -> None:
    click_pattern(qtbot, window, "technical")
    with pytest.raises(OSError):
        window.export_png(str(tmp_path / "missing" / "diagram.png"))


def test_hovering_says_what_an_arrow_or_a_note_is(qtbot, window) -> None:
    click_pattern(qtbot, window, "full")
    diagram = window.diagram
    layout = diagram.diagram_layout()
    qtbot.mouseMove(diagram, diagram.arrow_centre(1).toPoint())
    qtbot.waitUntil(lambda: "20013" in diagram.toolTip())
    assert "Receiver → Sender" in diagram.toolTip()
    decision = next(n for n in layout.notes if n.event.kind == "decision")
    qtbot.mouseMove(diagram, decision.rect.center().toPoint())
    qtbot.waitUntil(lambda: decision.event.label in diagram.toolTip())
    assert decision.event.note.splitlines()[0] in diagram.toolTip()


# ---- keys ----------------------------------------------------------------------------------------


def test_playback_keys_belong_to_the_diagram_not_to_the_controls(qtbot, window) -> None:
    click_pattern(qtbot, window, "full")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    diagram = window.diagram
    # Space on a focused checkbox toggles it and leaves playback alone.
    box = window.send_panel.inf_ack
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    before = box.isChecked()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() != before
    assert not diagram.is_playing() and diagram.arrow_count_shown() == diagram.arrow_count()
    # Space on a focused pattern button clicks it (a new run), not Play.
    button = window.send_panel.pattern_buttons["technical"]
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    with qtbot.waitSignal(window.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.keyClick(button, Qt.Key.Key_Space)
    assert blocker.args[0].title == pattern("technical").title
    assert not diagram.is_playing()
    # With the diagram focused the keys play, pause and step.
    diagram.setFocus()
    qtbot.waitUntil(diagram.hasFocus)
    qtbot.keyClick(diagram, Qt.Key.Key_Home)
    assert diagram.arrow_count_shown() == 0
    qtbot.keyClick(diagram, Qt.Key.Key_Right)
    assert diagram.arrow_count_shown() == 1
    qtbot.keyClick(diagram, Qt.Key.Key_Space)
    assert diagram.is_playing()
    qtbot.keyClick(diagram, Qt.Key.Key_Space)
    assert not diagram.is_playing()
    qtbot.keyClick(diagram, Qt.Key.Key_End)
    assert diagram.arrow_count_shown() == diagram.arrow_count()
    # The toolbar buttons still work whatever has the focus.
    box.setFocus()
    window.menu_actions["restart"].trigger()
    assert diagram.arrow_count_shown() == 0


# ---- runs: numbers, titles, Run Again, work off the GUI thread -----------------------------------


def test_failed_runs_take_no_number_and_forced_titles_read_well(qtbot, window, monkeypatch) -> None:
    from workbench.core.acks import runs
    from workbench.core.errors import WorkbenchError

    real = runs.run_pattern

    def broken(*args, **kwargs):
        raise WorkbenchError("the sample cannot be built")

    monkeypatch.setattr(runs, "run_pattern", broken)
    with qtbot.waitSignal(window.sig_run_failed, timeout=RUN_TIMEOUT_MS) as blocker:
        window.run_pattern("full")
    assert "the sample cannot be built" in blocker.args[0]
    assert window.model.rowCount() == 0
    monkeypatch.setattr(runs, "run_pattern", real)
    trip = run(qtbot, window, lambda: window.run_negative("30002"))
    assert trip.number == 1
    assert trip.title == "Full Acknowledgement, forced 30002"
    assert window.diagram.trip().number == 1 and row_text(window, 0) == "1"


def test_run_again_repeats_the_last_run_even_a_send(qtbot, window) -> None:
    click_pattern(qtbot, window, "technical")
    panel = window.send_panel
    panel.event_combo.setCurrentIndex(panel.event_combo.findData("ITK009D"))
    panel.bus_ack.setChecked(False)
    sent = run(qtbot, window, lambda: qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton))
    again = run(qtbot, window, window.menu_actions["run_again"].trigger)
    assert again.title == sent.title == "Send sample ITK009D"
    assert again.flags == sent.flags == "InfAck only"
    assert again.number == sent.number + 1


def test_profiles_are_loaded_and_the_message_rendered_by_the_worker(qtbot, window, monkeypatch) -> None:
    import threading

    from workbench.core.acks import runs

    threads: dict[str, threading.Thread] = {}
    registry = window._context.profiles.registry

    def recording_registry():
        threads["registry"] = threading.current_thread()
        return registry()

    real_render = runs.render

    def recording_render(document, syntax):
        threads["render"] = threading.current_thread()
        return real_render(document, syntax)

    monkeypatch.setattr(window._context.profiles, "registry", recording_registry)
    monkeypatch.setattr(runs, "render", recording_render)
    panel = window.send_panel
    run(qtbot, window, lambda: qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton))
    assert set(threads) == {"registry", "render"}
    assert threading.main_thread() not in threads.values()


# ---- small windows and unreadable messages -------------------------------------------------------


def test_a_small_window_shows_the_whole_diagram(qtbot, window) -> None:
    click_pattern(qtbot, window, "full")
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.diagram_scroll.viewport().width() >= window.diagram.minimumWidth())
    layout = window.diagram.diagram_layout()
    assert layout.receiver_header.right() <= window.diagram_scroll.viewport().width()
    assert all(note.rect.right() <= layout.width for note in layout.notes)
    window.resize(1500, 940)  # room again: the controls panel is whole again
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] >= window.controls_scroll.widget().minimumSizeHint().width())


def test_unreadable_bytes_are_worded_as_such(qtbot, window) -> None:
    from workbench.core.acks.runs import RoundTripRequest
    from workbench.gui.simulate.diagram import arrow_tooltip
    from workbench.gui.simulate.painting import arrow_title

    request = RoundTripRequest("Send broken.xml", window.settings_form.settings(), message=b"<Bundle><oops")
    trip = run(qtbot, window, lambda: window._submit(request, None))
    message = trip.result.arrows[0]
    assert arrow_title(message) == "unreadable message"
    assert "see where they cannot be read" in arrow_tooltip(message)
    assert trip.flags == "flags unreadable"
    assert trip.sender.subtitle == "not known (unreadable)"


# ---- stored settings that cannot be used -------------------------------------------------------


@pytest.mark.parametrize(
    "stored",
    [
        "size_limit = 100000000000000000000",  # beyond what the form's spin box holds
        "delay = " + "[" * 100_000 + "]" * 100_000,  # nested past any recursion limit
        "this is = not TOML [",
        ["a", "list"],  # not text at all
    ],
    ids=["huge-number", "deep-array", "not-toml", "not-text"],
)
def test_a_corrupted_stored_receiver_setting_is_reset_with_a_message(qtbot, stored) -> None:
    context = AppContext()
    context.settings.setValue("simulate/receiver", stored)
    window = SimulateWindow(context)  # opens: the settings it cannot use are reset
    qtbot.addWidget(window)
    assert window.settings_form.settings() == DEFAULT_RECEIVER
    assert "could not be used" in window.message_bar.message() and window.message_bar.level() == "warning"
    assert context.settings.value("simulate/receiver") is None  # not asked about again
    trip = run(qtbot, window, lambda: window.run_pattern("technical"))  # and runs still work
    assert trip.result.final_state == "accepted"
