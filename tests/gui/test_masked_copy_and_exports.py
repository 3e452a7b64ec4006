"""File › Save Masked Copy…, Export Report… and Export Evidence… as a tester uses them: the dialogs,
the work off the GUI thread, the files written (opened and checked), the summary, the tab.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import make_window, open_and_wait
from PySide6.QtWidgets import QDialogButtonBox

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_bytes, read_file, render
from workbench.core.edits import RemoveElement
from workbench.core.itk3.view import message_view
from workbench.core.store import MessageStore, default_store_path
from workbench.core.toolkit.evidence import MANIFEST, check_manifest
from workbench.core.toolkit.masking import Masker
from workbench.core.validation.runner import Validator
from workbench.gui.toolkit import asking

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
ITK003D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml"
WORK_TIMEOUT_MS = 60_000
RESPONDER = Responder("RCV01", "RCV01OT001")


def _ok(buttons: QDialogButtonBox) -> None:
    buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def _nhs_numbers(data: bytes) -> set[str]:
    found = set()
    for node in read_bytes(data).root.iter():
        if node.name == "identifier" and (node.value_at("system") or "").endswith("/nhs-number"):
            found.add(node.value_at("value"))
    return found


def test_save_masked_copy_writes_the_copy_says_what_was_replaced_and_opens_it(qtbot, tmp_path: Path) -> None:
    require_shared(ITK009D)
    window = make_window(qtbot)
    open_and_wait(qtbot, window, ITK009D)
    assert window.menu_actions["save_masked"].isEnabled()
    window.menu_actions["save_masked"].trigger()
    dialog = window.toolkit.mask_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.path_edit.text().endswith("ITK009D_ITK_Immunization_Document-masked.xml")
    target = tmp_path / "shared.xml"
    dialog.path_edit.setText(str(target))
    dialog.seed_edit.setText("training-2024")
    with qtbot.waitSignal(window.toolkit.sig_masked, timeout=WORK_TIMEOUT_MS) as blocker:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    done = blocker.args[0]
    original = ITK009D.read_bytes()
    expected = Masker("training-2024").mask_bytes(original, str(ITK009D))
    assert target.read_bytes() == expected.data  # the same seed gives the same bytes
    assert _nhs_numbers(original) and not _nhs_numbers(original) & _nhs_numbers(target.read_bytes())
    # the summary says what was replaced where, without the original values
    summary = window.toolkit.mask_summary
    assert summary is not None and summary.isVisible()
    lines = summary.summary.toPlainText()
    assert lines.splitlines() == expected.summary_lines() and "NHS number" in lines
    assert all(number not in lines for number in _nhs_numbers(original))
    assert done.replaced == len(expected.replacements)
    # offered in a tab
    with qtbot.waitSignal(window.sig_message_opened, timeout=WORK_TIMEOUT_MS) as opened:
        summary.open_button.click()
    assert opened.args[0].session.path == str(target) and len(window.open_tabs()) == 2


def test_the_masked_copy_never_overwrites_the_message(qtbot, tmp_path: Path) -> None:
    message = tmp_path / "message.xml"
    message.write_bytes(render(sample_message(clock=VirtualClock(), ids=SequentialIds("mask")), "xml"))
    window = make_window(qtbot)
    open_and_wait(qtbot, window, message)
    window.toolkit.save_masked_copy()
    dialog = window.toolkit.mask_dialog
    dialog.path_edit.setText(str(message))
    with qtbot.waitSignal(window.toolkit.sig_failed, timeout=WORK_TIMEOUT_MS) as failed:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert "message.xml is the message itself" in failed.args[0]
    assert window.message_bar.level() == "error" and "message.xml" in window.message_bar.message()
    assert message.read_bytes() == render(read_file(message), "xml")  # untouched


def test_export_report_writes_one_self_contained_html_file(qtbot, tmp_path: Path, monkeypatch) -> None:
    require_shared(ITK003D)
    target = tmp_path / "report.html"
    asked = []
    monkeypatch.setattr(asking, "ask_report_path", lambda parent, suggested: asked.append(suggested) or str(target))
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, ITK003D)
    qtbot.waitUntil(lambda: tab.validation.result() is not None, timeout=WORK_TIMEOUT_MS)  # its own status note
    with qtbot.waitSignal(window.toolkit.sig_exported, timeout=WORK_TIMEOUT_MS) as blocker:
        window.menu_actions["export_report"].trigger()
        assert window.toolkit.progress_label.isVisible()  # working, off the GUI thread
    assert asked and asked[0].endswith("ITK003D_ITK_eDischarge-report.html")
    exported = blocker.args[0]
    assert exported.kind == "report" and exported.path == str(target)
    page = target.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing from outside
    report = Validator().validate(read_file(ITK003D))
    assert not report.valid
    for issue in report.issues:
        assert issue.rule in page
    code, display = report.predicted
    assert f"{code} {display}" in page
    assert "Report written to" in window.statusBar().currentMessage()


def test_export_report_of_all_tabs_covers_every_message_as_it_is_now(qtbot, tmp_path: Path, monkeypatch) -> None:
    require_shared(ITK003D)
    target = tmp_path / "all.html"
    monkeypatch.setattr(asking, "ask_report_path", lambda parent, suggested: str(target))
    window = make_window(qtbot)
    assert not window.menu_actions["export_report_all"].isEnabled()  # nothing open
    first = open_and_wait(qtbot, window, ITK003D)
    second = open_and_wait(qtbot, window, ITK009D)
    assert window.menu_actions["export_report_all"].isEnabled()
    infack = message_view(second.session.document).handling["InfAckRequested"].node
    second.session.apply(RemoveElement(infack))  # reported as it is now (10002), not as opened
    with qtbot.waitSignal(window.toolkit.sig_exported, timeout=WORK_TIMEOUT_MS) as blocker:
        window.menu_actions["export_report_all"].trigger()
    exported = blocker.args[0]
    assert exported.summary.startswith("2 files:") and exported.path == str(target)
    page = target.read_text(encoding="utf-8")
    assert first.session.name in page and second.session.name in page
    assert "itk-infack-missing" in page  # neither message has this fault as opened
    for tab in (first, second):
        predicted = Validator().validate(tab.session.document).predicted
        assert f"{predicted[0]} {predicted[1]}" in page


def _conversation(folder: Path) -> tuple[Path, list[Path]]:
    clock, ids = VirtualClock(), SequentialIds("evidence-gui")
    message = sample_message(clock=clock, ids=ids, bus_ack=True)
    paths = [folder / "message.xml"]
    paths[0].write_bytes(render(message, "xml"))
    for code in ("20013", "30001"):
        clock.advance(5)
        path = folder / f"response-{code}.xml"
        path.write_bytes(render(build_response(message, code, RESPONDER, clock=clock, ids=ids).document, "xml"))
        paths.append(path)
    return paths[0], paths[1:]


def _check_pack(path: Path, message: bytes, responses: list[bytes]) -> list[str]:
    data = path.read_bytes()
    assert check_manifest(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        names = pack.namelist()
        listed = dict(reversed(line.split("  ", 1)) for line in pack.read(MANIFEST).decode().splitlines())
        assert set(listed) == set(names) - {MANIFEST}
        for name, digest in listed.items():
            assert hashlib.sha256(pack.read(name)).hexdigest() == digest
        [original] = [n for n in names if n.startswith("message/")]
        assert pack.read(original) == message
        assert [pack.read(n) for n in names if n.startswith("responses/")] == responses
        assert {"report.html", "report.json", "versions.json", "conversation.svg"} <= set(names)
    return names


def test_export_evidence_with_the_responses_open_in_tabs(qtbot, tmp_path: Path, monkeypatch) -> None:
    message, responses = _conversation(tmp_path)
    window = make_window(qtbot)
    for path in responses:
        open_and_wait(qtbot, window, path)
    open_and_wait(qtbot, window, message)
    window.menu_actions["export_evidence"].trigger()
    dialog = window.toolkit.evidence_dialog
    assert dialog is not None and dialog.isVisible()
    choices = dialog.choices()
    assert [choice.name for choice, _ticked in choices] == ["response-20013.xml", "response-30001.xml"]
    assert all(ticked for _choice, ticked in choices)  # both answer this message
    assert dialog.store_label.text() == "The message store holds no Response to this message."
    target = tmp_path / "pack.zip"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(window.toolkit.sig_exported, timeout=WORK_TIMEOUT_MS) as blocker:
        _ok(dialog.buttons)
        assert window.toolkit.progress_label.text() == "Working to export the evidence pack…"
    assert not window.toolkit.progress_label.isVisible()
    assert blocker.args[0].kind == "evidence" and "Conversation: complete" in blocker.args[0].summary
    names = _check_pack(target, message.read_bytes(), [p.read_bytes() for p in responses])
    assert "responses/01-response-20013.xml" in names


def test_export_evidence_takes_the_responses_the_store_keeps(qtbot, tmp_path: Path) -> None:
    message, responses = _conversation(tmp_path)
    with MessageStore(default_store_path()) as store:
        for path in (message, *responses):
            store.import_bytes(path.read_bytes(), str(path))
    window = make_window(qtbot)
    open_and_wait(qtbot, window, message)
    dialog = window.toolkit.export_evidence()
    qtbot.waitUntil(lambda: "holds 2 Responses" in dialog.store_label.text(), timeout=WORK_TIMEOUT_MS)
    assert [choice.origin for choice, _ in dialog.choices()] == ["store", "store"]
    target = tmp_path / "from-store.zip"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(window.toolkit.sig_exported, timeout=WORK_TIMEOUT_MS):
        _ok(dialog.buttons)
    _check_pack(target, message.read_bytes(), [p.read_bytes() for p in responses])


def test_export_evidence_of_a_lone_message_draws_the_simulated_round_trip(qtbot, tmp_path: Path) -> None:
    message, _responses = _conversation(tmp_path)
    window = make_window(qtbot)
    open_and_wait(qtbot, window, message)
    dialog = window.toolkit.export_evidence()
    assert dialog.choices() == [] and dialog.simulate.isChecked()
    target = tmp_path / "lone.zip"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(window.toolkit.sig_exported, timeout=WORK_TIMEOUT_MS) as blocker:
        _ok(dialog.buttons)
    assert "Simulated round trip" in blocker.args[0].summary
    _check_pack(target, message.read_bytes(), [])


@pytest.mark.parametrize("what", ["report", "evidence"])
def test_an_export_that_cannot_be_written_says_so(qtbot, tmp_path: Path, monkeypatch, what: str) -> None:
    message, _responses = _conversation(tmp_path)
    blocked = tmp_path / "no-such-folder" / "deeper" / f"out.{what}"
    (tmp_path / "no-such-folder").write_text("a file, not a folder")
    monkeypatch.setattr(asking, "ask_report_path", lambda parent, suggested: str(blocked))
    window = make_window(qtbot)
    open_and_wait(qtbot, window, message)
    with qtbot.waitSignal(window.toolkit.sig_failed, timeout=WORK_TIMEOUT_MS) as failed:
        if what == "report":
            window.toolkit.export_report()
        else:
            dialog = window.toolkit.export_evidence()
            dialog.path_edit.setText(str(blocked))
            _ok(dialog.buttons)
    assert failed.args[0].startswith(f"Could not export the {'report' if what == 'report' else 'evidence pack'}: ")
    assert window.message_bar.level() == "error"
    assert message_view(read_file(message)).message_id  # the message is untouched and readable
