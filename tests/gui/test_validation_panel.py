"""Validation in the window: the banner's verdict, the issues table, its filters, going to a finding,
and Settings › Profiles."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, require_shared
from guihelpers import LOAD_TIMEOUT_MS, document_of, make_window, message_with_recipient_type, open_and_wait, shown
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from workbench.core.validation.issue import SEVERITIES
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.runner import Report, Validator
from workbench.gui.inspector.banner import verdict
from workbench.gui.inspector.issue_model import (
    CODE,
    COLUMNS,
    ISSUE_ROLE,
    MESSAGE,
    POSITION,
    SEVERITY,
    IssueFilterModel,
    IssueTableModel,
)
from workbench.gui.inspector.preview_panel import ORIGINAL
from workbench.gui.main_window import MainWindow
from workbench.gui.profiles import dialog as profiles_dialog
from workbench.gui.profiles.library import ProfileLibrary

ITK003D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml"
VALIDATION_TIMEOUT_MS = 30_000

ENCOUNTER_PROFILE = {
    "resourceType": "StructureDefinition",
    "id": "CareConnect-ITK-Encounter-1",
    "url": "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-ITK-Encounter-1",
    "version": "1.0.0",
    "name": "TestEncounter",
    "title": "Test Encounter that needs a priority",
    "status": "draft",
    "fhirVersion": "3.0.1",
    "kind": "resource",
    "abstract": False,
    "type": "Encounter",
    "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Encounter",
    "derivation": "constraint",
    "snapshot": {
        "element": [
            {"id": "Encounter", "path": "Encounter", "min": 0, "max": "*"},
            {
                "id": "Encounter.priority",
                "path": "Encounter.priority",
                "min": 1,
                "max": "1",
                "type": [{"code": "CodeableConcept"}],
            },
        ]
    },
}


def open_and_validate(qtbot, window: MainWindow, path) -> Report:
    """Open a file and wait until its validation is shown."""
    with qtbot.waitSignal(window.sig_message_validated, timeout=LOAD_TIMEOUT_MS + VALIDATION_TIMEOUT_MS) as blocker:
        open_and_wait(qtbot, window, path)
    return blocker.args[0].report


@pytest.fixture
def window(qtbot) -> MainWindow:
    return make_window(qtbot)


@pytest.fixture
def itk003d(qtbot, window) -> tuple[MainWindow, Report]:
    report = open_and_validate(qtbot, window, require_shared(ITK003D))
    return window, report


def test_banner_names_the_receivers_response_as_the_validator_predicts(itk003d) -> None:
    window, displayed = itk003d
    expected = Validator().validate_file(ITK003D)
    code, display = expected.predicted
    assert (code, display) == ("10001", "Handling Specification Error")
    assert displayed.predicted == expected.predicted
    counts = expected.counts()
    errors = counts["error"] + counts["fatal"]
    assert (
        shown(window).banner.text()
        == f"A receiver would answer {code} {display} — {errors} errors, {counts['warning']} warnings"
    )
    assert shown(window).banner.level() == "rejected"
    deciding = shown(window).banner.deciding_issue()
    assert deciding is not None and deciding.itk_code == code and deciding.is_error
    assert shown(window).issues.model.rowCount() == len(expected.issues) == len(displayed.issues)
    assert [i.rule for i in shown(window).issues.model.issues()] == [i.rule for i in expected.issues]
    assert shown(window).issues.shown.text() == f"{len(expected.issues)} issues"


def test_issue_models_pass_the_qt_model_tester(qtmodeltester, itk003d) -> None:
    _window, report = itk003d
    model = IssueTableModel()
    model.set_report(report)
    qtmodeltester.check(model)
    proxy = IssueFilterModel()
    proxy.setSourceModel(model)
    proxy.set_severities({"error"})
    proxy.sort(POSITION)
    qtmodeltester.check(proxy)
    model.set_report(None)
    qtmodeltester.check(model)
    assert model.columnCount() == len(COLUMNS) and model.rowCount() == 0


def test_rows_read_as_the_findings(itk003d) -> None:
    window, report = itk003d
    model = shown(window).issues.model
    bare = next(row for row, i in enumerate(report.issues) if i.rule == "bundle-ref-bare-id")
    issue = report.issues[bare]
    assert model.data(model.index(bare, SEVERITY)) == "Error"
    assert model.data(model.index(bare, SEVERITY), Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(model.index(bare, POSITION)) == f"{issue.line}:{issue.column}"
    assert model.data(model.index(bare, CODE)) == "20006"
    tip = model.data(model.index(bare, MESSAGE), Qt.ItemDataRole.ToolTipRole)
    assert issue.message in tip and "How to fix:" in tip and issue.hint in tip
    assert "ITK header validation failure" in model.data(model.index(bare, CODE), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(bare, 0), ISSUE_ROLE) is issue


def test_filters_reduce_the_rows(itk003d) -> None:
    window, report = itk003d
    panel = shown(window).issues
    proxy = panel.proxy
    counts = report.counts()
    assert proxy.rowCount() == len(report.issues)

    panel.set_severity_shown("information", False)
    assert proxy.rowCount() == len(report.issues) - counts["information"]
    panel.set_severity_shown("warning", False)
    assert proxy.rowCount() == counts["error"] + counts["fatal"]
    assert {i.severity for i in panel.shown_issues()} <= {"error", "fatal"}
    assert panel.shown.text() == f"Showing {proxy.rowCount()} of {len(report.issues)}"
    assert panel.severity_buttons["error"].text() == f"Errors {counts['error']}"

    panel.set_layer("bundle")
    bundle_errors = [i for i in report.issues if i.layer == "bundle" and i.is_error]
    assert proxy.rowCount() == len(bundle_errors) == 3
    panel.clear_filters()
    assert proxy.rowCount() == len(report.issues)

    panel.set_layer("itk3")
    assert proxy.rowCount() == sum(1 for i in report.issues if i.layer == "itk3")
    panel.set_layer(None)
    panel.search.setText("BARE ID")  # any case; matches the message
    assert proxy.rowCount() == sum(1 for i in report.issues if "bare id" in i.message)
    panel.search.setText("itk-handling-legacy")  # a rule id
    assert [i.rule for i in panel.shown_issues()] == ["itk-handling-legacy-priority"]
    panel.search.setText("focus[0]")  # a path
    assert all("focus[0]" in (i.path or "") for i in panel.shown_issues()) and proxy.rowCount() >= 1
    panel.search.setText("no such thing anywhere")
    assert proxy.rowCount() == 0

    combo = panel.layer_combo
    assert combo.itemText(0) == "All layers"
    assert combo.itemText(combo.findData("bundle")) == "bundle (3)"


def test_sorting_by_severity_puts_errors_first(itk003d) -> None:
    window, _report = itk003d
    shown(window).issues.view.sortByColumn(SEVERITY, Qt.SortOrder.AscendingOrder)
    severities = [i.severity for i in shown(window).issues.shown_issues()]
    assert severities == sorted(severities, key=SEVERITIES.index)
    shown(window).issues.view.sortByColumn(POSITION, Qt.SortOrder.AscendingOrder)
    lines = [i.line or 0 for i in shown(window).issues.shown_issues()]
    assert lines == sorted(lines)


def click_issue(qtbot, window: MainWindow, rule: str, path_part: str = ""):
    """Click the row of the first finding of a rule (whose path contains ``path_part``)."""
    panel = shown(window).issues
    for row in range(panel.proxy.rowCount()):
        issue = panel.proxy.issue(panel.proxy.index(row, 0))
        if issue.rule == rule and path_part in (issue.path or ""):
            rect = panel.view.visualRect(panel.proxy.index(row, MESSAGE))
            qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return issue
    raise AssertionError(f"no row for {rule}")


def test_clicking_an_issue_selects_its_node_and_marks_its_source_line(qtbot, itk003d) -> None:
    window, _report = itk003d
    issue = click_issue(qtbot, window, "bundle-ref-bare-id", "sender")
    assert issue.node is not None
    assert shown(window).tree.current_node() is issue.node
    assert shown(window).details.path.text() == issue.path
    mark = shown(window).preview.view(ORIGINAL).current_mark()
    assert mark is not None and mark[0] == issue.line == 55

    # Enter on another row does the same.
    panel = shown(window).issues
    target = next(
        r
        for r in range(panel.proxy.rowCount())
        if panel.proxy.issue(panel.proxy.index(r, 0)).rule == "itk-handling-legacy-priority"
    )
    panel.view.setCurrentIndex(panel.proxy.index(target, 0))
    with qtbot.waitSignal(panel.sig_issue_activated) as blocker:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    legacy = blocker.args[0]
    assert shown(window).tree.current_node() is legacy.node
    assert shown(window).preview.view(ORIGINAL).current_mark()[0] == legacy.line == 33


def test_a_finding_without_a_node_marks_its_line(qtbot, itk003d) -> None:
    window, report = itk003d
    issue = report.issues[-1].__class__("error", "syntax", "syntax-json", "a note", line=3, column=2)
    shown(window).show_issue(issue)
    assert shown(window).tree.current_node() is document_of(window).node_at(3, 2)
    assert shown(window).preview.view(ORIGINAL).current_mark()[0] == 3


def test_clicking_the_banner_goes_to_the_deciding_finding(qtbot, itk003d) -> None:
    window, _report = itk003d
    deciding = shown(window).banner.deciding_issue()
    shown(window).issues.set_severity_shown("error", False)  # the banner's finding is shown anyway
    qtbot.mouseClick(shown(window).banner, Qt.MouseButton.LeftButton)
    assert shown(window).issues.current_issue() is deciding
    assert shown(window).tree.current_node() is deciding.node
    assert shown(window).preview.view(ORIGINAL).current_mark()[0] == deciding.line


def test_an_accepted_message_shows_green(qtbot, window, tmp_path) -> None:
    path = tmp_path / "accepted.xml"
    path.write_bytes(message_with_recipient_type("FA"))
    report = open_and_validate(qtbot, window, path)
    assert report.predicted == ("20013", "Success") and report.issues == []
    assert shown(window).banner.text() == "A receiver would answer 20013 Success — accepted"
    assert shown(window).banner.level() == "accepted"
    assert shown(window).banner.deciding_issue() is None
    assert shown(window).issues.shown.text() == "No issues"


def test_banner_wording_for_each_outcome() -> None:
    from workbench.core.validation.issue import Issue

    warning = Issue("warning", "itk3", "w", "w")
    error = Issue("error", "profile", "e", "e")
    rejecting = Issue("error", "itk3", "r", "r", itk_code="20006")
    level, text, deciding = verdict(Report(None, [warning, rejecting], ("20006", "ITK header validation failure")))
    assert (level, deciding) == ("rejected", rejecting)
    assert text == "A receiver would answer 20006 ITK header validation failure — 1 error, 1 warning"
    level, text, deciding = verdict(Report(None, [error, warning]))
    assert (level, deciding) == ("caution", error)
    assert text == "A receiver would answer 20013 Success — accepted, though 1 error remains, 1 warning"
    level, text, deciding = verdict(Report(None, [warning]))
    assert (level, text, deciding) == (
        "accepted",
        "A receiver would answer 20013 Success — accepted, with 1 warning",
        warning,
    )


def test_the_banner_says_validating_while_validation_runs(qtbot, window, tmp_path) -> None:
    path = tmp_path / "fx.xml"
    path.write_bytes(message_with_recipient_type("FX"))
    seen: list[str] = []
    with qtbot.waitSignal(window.sig_message_validated, timeout=LOAD_TIMEOUT_MS + VALIDATION_TIMEOUT_MS):
        tab = window.open_file(str(path))  # the tab is there at once, reading in a worker
        # Shown: validation has started, and the banner says so until it ends.
        tab.sig_opened.connect(lambda tab: seen.append(tab.inspector.banner.text()))
    assert seen == ["Validating…"]
    assert shown(window).banner.text().startswith("A receiver would answer 10010 Recipient Type - Processing Error")


def test_profiles_dialog_adds_a_folder_and_validation_uses_it(qtbot, itk003d, tmp_path, monkeypatch) -> None:
    window, report = itk003d
    rule = "profile-min"
    assert not any(i.rule == rule for i in report.issues)
    assert any(i.rule == "profile-not-loaded" and "CareConnect-ITK-Encounter-1" in i.message for i in report.issues)
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "StructureDefinition-CareConnect-ITK-Encounter-1.json").write_text(json.dumps(ENCOUNTER_PROFILE))
    (folder / "broken.json").write_text('{"resourceType": "StructureDefinition", "url": ')

    window.show_profiles()
    dialog = window.profiles_dialog
    qtbot.waitUntil(lambda: len(dialog.summaries()) == 1, timeout=VALIDATION_TIMEOUT_MS)
    shipped = dialog.summaries()[0]
    assert shipped.source is None and shipped.structure_definitions == 9 and shipped.code_systems == 3
    assert dialog.table.item(0, 0).text().startswith("ITK3 pack")
    dialog.table.selectRow(0)
    assert not dialog.remove_button.isEnabled()  # the shipped pack stays

    monkeypatch.setattr(profiles_dialog, "ask_folder", lambda parent, directory: str(folder))
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.add_folder_button, Qt.MouseButton.LeftButton)
    found = [i for i in blocker.args[0].report.issues if i.rule == rule]
    assert len(found) == 1 and found[0].path.endswith(".resource.priority")
    assert not any("CareConnect-ITK-Encounter-1 is not loaded" in i.message for i in blocker.args[0].report.issues)
    assert any(i.rule == rule for i in shown(window).issues.model.issues())
    mine = dialog.summaries()[1]
    assert (mine.source, mine.kind, mine.structure_definitions) == (str(folder.resolve()), "folder", 1)
    assert len(mine.problems) == 1 and "broken.json" in mine.problems[0]
    assert dialog.table.item(1, 5).text() == "1"

    # Remembered in the settings: a new library (next start) has the folder.
    again = ProfileLibrary(window._context.settings, window._context.pool)
    assert again.sources() == [str(folder.resolve())]

    dialog.table.selectRow(1)
    assert "broken.json" in dialog.problems.toPlainText()
    with qtbot.waitSignal(window.sig_message_validated, timeout=VALIDATION_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert not any(i.rule == rule for i in blocker.args[0].report.issues)
    assert len(dialog.summaries()) == 1
    dialog.close()


def test_user_profiles_give_the_same_verdict_as_the_core(qtbot, window, tmp_path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "encounter.json").write_text(json.dumps(ENCOUNTER_PROFILE))
    window._context.profiles.add_source(str(folder))
    report = open_and_validate(qtbot, window, require_shared(ITK003D))
    registry = ProfileRegistry.default()
    registry.add_folder(folder)
    assert report.issues == Validator(registry).validate_file(ITK003D).issues


def test_an_empty_window_shows_the_start_page_and_no_verdict(qtbot) -> None:
    window = make_window(qtbot)
    assert window.current_tab() is None and window.pages.currentWidget() is window.start_page
    assert not window.start_page.isHidden() and window.tabs.isHidden()
    for key in ("save_xml", "undo", "redo", "edit_value", "delete_element", "close"):
        assert not window.menu_actions[key].isEnabled(), key
    assert QApplication.instance() is not None


def test_profiles_dialog_adds_a_single_file(qtbot, window, tmp_path, monkeypatch) -> None:
    path = tmp_path / "encounter.json"
    path.write_text(json.dumps(ENCOUNTER_PROFILE))
    window.show_profiles()
    dialog = window.profiles_dialog
    qtbot.waitUntil(lambda: len(dialog.summaries()) == 1, timeout=VALIDATION_TIMEOUT_MS)
    monkeypatch.setattr(profiles_dialog, "ask_file", lambda parent, directory: str(path))
    with qtbot.waitSignal(window._context.profiles.sig_profiles_changed, timeout=VALIDATION_TIMEOUT_MS):
        qtbot.mouseClick(dialog.add_file_button, Qt.MouseButton.LeftButton)
    added = dialog.summaries()[1]
    assert (added.kind, added.title, added.structure_definitions, added.problems) == ("file", "encounter.json", 1, ())
    assert dialog.table.rowCount() == 2 and dialog.table.item(1, 1).text() == "1"
    registry = window._context.profiles.registry()
    assert registry.structure_definition(ENCOUNTER_PROFILE["url"]) is not None
    dialog.close()
