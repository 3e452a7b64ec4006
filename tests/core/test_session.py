"""A session per open message: bytes, tree, history, labels, report and saved state in one object."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, require_shared
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, render
from workbench.core.edits import EditError
from workbench.core.session import MessageSession, SessionObserver
from workbench.core.validation.runner import Validator

ITK003D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml"


class Recorder(SessionObserver):
    def __init__(self) -> None:
        self.events: list[str] = []

    def session_edited(self, session, changed) -> None:
        self.events.append(f"edited:{len(changed)}")

    def session_validated(self, session, report) -> None:
        self.events.append(f"validated:{report.predicted[0]}")

    def session_saved(self, session) -> None:
        self.events.append(f"saved:{session.name}")

    def session_closed(self, session) -> None:
        self.events.append("closed")


def sample() -> object:
    return sample_message(clock=VirtualClock(), ids=SequentialIds())


@pytest.fixture
def sample_bytes() -> bytes:
    return render(sample(), "xml")


def test_open_bytes_reads_the_message_and_its_itk3_view(sample_bytes: bytes) -> None:
    session = MessageSession.open_bytes(sample_bytes, "sample.xml")
    assert session.readable and session.error is None
    assert session.syntax == "xml" and session.source == sample_bytes
    assert session.labels is not None and session.labels.view is not None
    assert session.labels.view.header is not None
    assert not session.modified and session.version == 0
    assert len(session.sha256 or "") == 64


def test_unreadable_bytes_keep_the_bytes_the_error_and_the_10009_verdict() -> None:
    data = b'<Bundle xmlns="http://hl7.org/fhir">\n  <id value="x">\n</Bundle>\n'
    session = MessageSession.open_bytes(data, "broken.xml")
    assert not session.readable and session.document is None
    assert session.source == data
    assert session.error is not None and session.error.line == 3
    assert session.report is not None and session.report.predicted[0] == "10009"
    assert session.report.issues[0].line == 3
    with pytest.raises(EditError):
        session.apply(object())  # type: ignore[arg-type]


def test_a_missing_file_gives_a_session_that_says_so(tmp_path: Path) -> None:
    session = MessageSession.open_file(tmp_path / "gone.xml")
    assert not session.readable and session.source is None
    assert session.error is not None and "no such file" in str(session.error)
    assert session.report is not None and session.report.predicted[0] == "10009"


def test_edits_undo_redo_and_modified_state(sample_bytes: bytes) -> None:
    session = MessageSession.open_bytes(sample_bytes, "sample.xml")
    recorder = Recorder()
    session.observers.append(recorder)
    header = session.labels.view.header  # type: ignore[union-attr]
    endpoint = header.find("source.endpoint")
    assert endpoint is not None
    assert session.set_value(endpoint, "NEWBOX01")
    assert session.modified and session.can_undo and not session.can_redo
    assert session.undo_text.startswith("Set endpoint")
    assert session.labels.view.source_endpoint == "NEWBOX01"  # type: ignore[union-attr]
    session.undo()
    assert endpoint.value != "NEWBOX01" and not session.modified and session.can_redo
    session.redo()
    assert endpoint.value == "NEWBOX01" and session.modified
    assert recorder.events == ["edited:1", "edited:1", "edited:1"]
    assert session.version == 3


def test_a_stale_report_is_dropped_and_a_current_one_recorded(sample_bytes: bytes) -> None:
    session = MessageSession.open_bytes(sample_bytes, "sample.xml")
    recorder = Recorder()
    session.observers.append(recorder)
    report = Validator().validate(session.document)  # type: ignore[arg-type]
    endpoint = session.labels.view.header.find("source.endpoint")  # type: ignore[union-attr]
    session.set_value(endpoint, "X26ABC9")  # type: ignore[arg-type]
    assert not session.set_report(report, 0)
    assert session.report is None
    current = session.validate()
    assert session.report is current and session.report_current
    assert recorder.events[-1].startswith("validated:")


def test_save_as_json_makes_the_tree_stand_for_the_saved_bytes(sample_bytes: bytes, tmp_path: Path) -> None:
    session = MessageSession.open_bytes(sample_bytes, "sample.xml")
    recorder = Recorder()
    session.observers.append(recorder)
    endpoint = session.labels.view.header.find("source.endpoint")  # type: ignore[union-attr]
    session.set_value(endpoint, "SAVEDBOX")  # type: ignore[arg-type]
    target = tmp_path / "saved.json"
    size = session.save(target, "json")
    assert target.stat().st_size == size and session.source == target.read_bytes()
    assert session.source_saved and not session.modified
    assert session.path == str(target) and session.name == "saved.json" and session.syntax == "json"
    assert recorder.events[-1] == "saved:saved.json"
    assert not session.edited  # the tree is what the Original bytes are now
    session.undo()
    assert session.edited and session.modified  # undone past the save: it differs again
    session.redo()
    # positions now point into the JSON: the endpoint's line holds its value
    line, _column = session.document.position(endpoint)  # type: ignore[union-attr, misc]
    assert '"SAVEDBOX"' in session.document.text.splitlines()[line - 1]  # type: ignore[union-attr]
    # and a report made now names lines of the saved bytes
    assert read_bytes(session.source).format == "json"
    # The tree validates as the JSON saved does: its repeats are JSON arrays now, in either direction.
    rules = {i.rule for i in session.validate().issues}
    assert "struct-json-array" not in rules
    assert rules == {i.rule for i in MessageSession.open_file(target).validate().issues}
    session.save(tmp_path / "back.xml", "xml")
    assert {i.rule for i in session.validate().issues} == rules


def test_a_new_message_is_unsaved_until_saved(tmp_path: Path) -> None:
    session = MessageSession.from_document(sample(), "New ITK003D")
    assert session.modified and session.source is None and session.path is None
    session.save(tmp_path / "new.xml")
    assert not session.modified and session.source is not None


def test_close_tells_the_observers_once_and_forgets_them(sample_bytes: bytes) -> None:
    session = MessageSession.open_bytes(sample_bytes, "sample.xml")
    recorder = Recorder()
    session.observers.append(recorder)
    session.close()
    session.close()
    assert recorder.events == ["closed"]


def test_real_example_opens_from_a_file() -> None:
    path = require_shared(ITK003D)
    session = MessageSession.open_file(path)
    assert session.readable and session.name == path.name and session.path == str(path)
    assert session.labels is not None and session.labels.view.event_code == "ITK003D"  # type: ignore[union-attr]
    report = session.validate()
    assert report.predicted[0] != "10009"
