"""Responses read as Responses: a tab holding an ITK Response says what it says (code, display,
level, outcome, the message it answers) above its own, separate verdict, and opens the message it
answers from another tab or from the message store.

Expectations come from the catalogue and the Responses themselves (real published ones, and ones
the core's builder makes), never from copies of the banner's text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import make_window, open_and_wait, shown
from PySide6.QtCore import Qt

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.catalogue import catalogue, level_of
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_file, render
from workbench.core.itk3.view import message_view
from workbench.core.store import MessageStore, default_store_path
from workbench.gui.inspector.response_bar import OWN_VERDICT

ASSETS = EXAMPLES / "STU3-FHIR-Assets" / "Examples"
RESPONDER = Responder("RCV01", "RCV01OT001")
LOOKUP_TIMEOUT_MS = 20_000


def _validated(qtbot, window, path: Path):
    tab = open_and_wait(qtbot, window, path)
    qtbot.waitUntil(lambda: tab.validation.result() is not None and not tab.validation.is_busy(), timeout=30_000)
    return tab


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ITK-Response-20013-Example-1.xml", "20013"),  # infrastructure, positive
        ("ITK-Response-10001-Example-1.xml", "10001"),  # infrastructure, negative (handling specification)
        ("ITK-Response-20009-Example-1.xml", "20009"),  # infrastructure, negative (payload)
        ("ITK-Response-30001-Example-1.xml", "30001"),  # business, positive
        ("ITK-Response-30002-Example-1.xml", "30002"),  # business, negative
    ],
)
def test_a_response_says_its_code_level_outcome_and_what_it_answers(qtbot, name: str, code: str) -> None:
    path = require_shared(ASSETS / name)
    window = make_window(qtbot)
    tab = _validated(qtbot, window, path)
    inspector = shown(window)
    bar = inspector.response_bar
    known = catalogue().response(code)
    assert known is not None
    outcome = "positive" if known.positive else "negative"
    level = level_of(code)
    said = bar.text()
    assert bar.isVisible()
    assert said.splitlines()[0] == f"{code} {known.display}: {level}, {outcome}"
    assert bar.mark.text() == ("✓" if known.positive else "✕")
    answered = message_view(read_file(path)).response_identifier
    assert answered and f"answers message {answered}" in said
    # its own conformance is a second verdict, and nothing predicts what a receiver would answer to it
    verdict = inspector.banner.text()
    assert verdict.startswith(OWN_VERDICT) and "well-formed ITK Response" in verdict
    assert "would answer" not in verdict and "would answer" not in said
    # a 20009 Response is not read as "Success" anywhere
    if code != "20013":
        assert "20013" not in verdict and "Success" not in said
    assert tab.session is not None and tab.session.report is not None


@pytest.mark.parametrize(
    ("name", "event", "code", "level", "outcome"),
    [
        ("Archive/ITK-InfAck-Fail-Example-2.xml", "ITK001M", "51005", "infrastructure", "negative"),
        ("Archive/ITK-BusinessAck-Success-Example-2.xml", "ITK002M", "41001", "business", "positive"),
    ],
)
def test_a_legacy_acknowledgement_is_named_as_such(qtbot, name, event, code, level, outcome) -> None:
    path = require_shared(ASSETS / name)
    window = make_window(qtbot)
    _validated(qtbot, window, path)
    inspector = shown(window)
    said = inspector.response_bar.text()
    headline = said.splitlines()[0]
    assert headline.startswith(f"{code} ") and f"{level}, {outcome}" in headline
    assert f"legacy {event}" in said and f"replaced by {catalogue().response_event}" in said
    assert f"{code} is a retired code" in said  # an odd thing about it, on its own line
    assert inspector.banner.text().startswith(f"{OWN_VERDICT} not a well-formed ITK Response")
    assert inspector.banner.level() == "rejected"


def test_a_response_to_an_unreadable_message_offers_nothing_to_open(qtbot) -> None:
    path = require_shared(ASSETS / "ITK-Response-10009-Example-1.xml")
    window = make_window(qtbot)
    _validated(qtbot, window, path)
    bar = shown(window).response_bar
    assert bar.text().splitlines()[0].startswith("10009 ")
    assert "answers a message the receiver could not read" in bar.text()
    assert not bar.is_link_shown()


def _conversation(folder: Path, defect: str | None = None) -> tuple[Path, Path, str]:
    """A message and the 20009 Response to it, written as files; the message's header id."""
    clock, ids = VirtualClock(), SequentialIds("toolkit-gui")
    message = sample_message(clock=clock, ids=ids)
    clock.advance(3)
    built = build_response(message, "20009", RESPONDER, clock=clock, ids=ids, defect=defect)
    message_path, response_path = folder / "message.xml", folder / "response-20009.xml"
    message_path.write_bytes(render(message, "xml"))
    response_path.write_bytes(render(built.document, "xml"))
    message_id = message_view(message).message_id
    assert message_id is not None
    return message_path, response_path, message_id


def test_a_response_without_the_id_it_answers_says_so_and_fails_its_own_verdict(qtbot, tmp_path: Path) -> None:
    _message, response, _id = _conversation(tmp_path, defect="missing-identifier")
    window = make_window(qtbot)
    _validated(qtbot, window, response)
    inspector = shown(window)
    assert "does not say which message it answers" in inspector.response_bar.text()
    assert not inspector.response_bar.is_link_shown()
    assert inspector.banner.text().startswith(f"{OWN_VERDICT} not a well-formed ITK Response")
    # a click on the verdict shows its first error
    deciding = inspector.banner.deciding_issue()
    assert deciding is not None and deciding.is_error


def test_open_the_message_it_answers_from_a_tab_then_from_the_store(qtbot, tmp_path: Path) -> None:
    message, response, message_id = _conversation(tmp_path)
    window = make_window(qtbot)
    message_tab = _validated(qtbot, window, message)
    assert not shown(window).response_bar.isVisible()  # a message is not a Response
    with qtbot.waitSignal(window.toolkit.sig_located, timeout=LOOKUP_TIMEOUT_MS):
        response_tab = _validated(qtbot, window, response)
    bar = response_tab.inspector.response_bar
    assert bar.location().where == "tab" and bar.location().name == "message.xml"
    assert bar.is_link_shown() and "open in the tab message.xml" in bar.where.text()
    qtbot.mouseClick(bar.open_button, Qt.MouseButton.LeftButton)
    assert window.current_tab() is message_tab

    # closed, and no message store yet: nowhere to open it from
    window.close_tab(message_tab)
    assert bar.location().where == "nowhere" and not bar.is_link_shown()
    assert "not open, nor in the message store" in bar.where.text()

    # kept in the message store: found there (off the GUI thread) and opened from it in a tab
    with MessageStore(default_store_path()) as store:
        store.import_bytes(message.read_bytes(), str(message))
    with qtbot.waitSignal(window.toolkit.sig_located, timeout=LOOKUP_TIMEOUT_MS) as located:
        window.toolkit.relocate_all()
    assert located.args[0].where == "store" and bar.is_link_shown()
    with qtbot.waitSignal(window.sig_message_opened, timeout=LOOKUP_TIMEOUT_MS) as opened:
        qtbot.mouseClick(bar.open_button, Qt.MouseButton.LeftButton)
    reopened = opened.args[0]
    assert reopened.session.source == message.read_bytes()
    assert reopened.session.labels.view.message_id == message_id
    assert window.current_tab() is reopened and len(window.open_tabs()) == 2


def test_editing_a_response_reads_it_again(qtbot, tmp_path: Path) -> None:
    _message, response, _id = _conversation(tmp_path)
    window = make_window(qtbot)
    tab = _validated(qtbot, window, response)
    view = tab.session.labels.view
    issue = view.payload.children_named("issue")[0]
    coding = issue.child("details").children_named("coding")[0]
    tab.session.set_value(coding.child("code"), "20013")
    said = tab.inspector.response_bar.text()
    assert said.splitlines()[0].startswith("20013 ") and "infrastructure, positive" in said
    assert "response.code says fatal-error but 20013 is positive" in said  # the header still says fatal-error
    tab.session.undo()
    assert tab.inspector.response_bar.text().splitlines()[0].startswith("20009 ")
