"""The Qt face of a message session: what happens to the session comes out as signals."""

from __future__ import annotations

from pathlib import Path

from guihelpers import message_with_recipient_type

from workbench.core.session import MessageSession
from workbench.core.validation.runner import Validator
from workbench.gui.documents.qt_session import QtSession


def test_edits_undo_saves_reports_and_closing_come_out_as_signals(qtbot, tmp_path: Path) -> None:
    session = MessageSession.open_bytes(message_with_recipient_type("FX"), "fx.xml")
    qt = QtSession(session)
    seen: list[tuple[str, object]] = []
    qt.sig_edited.connect(lambda changed: seen.append(("edited", [n.name for n in changed])))
    qt.sig_modified_changed.connect(lambda modified: seen.append(("modified", modified)))
    qt.sig_validated.connect(lambda report: seen.append(("validated", report.predicted[0])))
    qt.sig_saved.connect(lambda path: seen.append(("saved", Path(path).name)))
    qt.sig_closed.connect(lambda: seen.append(("closed", None)))
    code = next(n for n in session.document.root.iter() if n.name == "code" and n.value == "FX")

    session.set_value(code, "FA")
    session.undo()
    session.redo()
    report = Validator().validate(session.document)
    assert not session.set_report(report, session.version - 1)  # stale: dropped, no signal
    assert session.set_report(report, session.version)
    session.save(tmp_path / "fa.xml")
    session.set_value(code, "FI")
    session.close()
    assert seen == [
        ("edited", ["code"]),
        ("modified", True),
        ("edited", ["code"]),
        ("modified", False),  # undone back to the state opened
        ("edited", ["code"]),
        ("modified", True),
        ("validated", "20013"),
        ("saved", "fa.xml"),
        ("modified", False),
        ("edited", ["code"]),
        ("modified", True),
        ("closed", None),
    ]
    # Closed: the session forgets its observers, so nothing more comes out.
    count = len(seen)
    session.set_value(code, "FA")
    assert len(seen) == count
