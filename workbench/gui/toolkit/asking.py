"""The file dialogs the toolkit asks through (tests replace these functions).

Each shows a modal file dialog and returns the path chosen, or None when cancelled. The toolkit
calls them through this module (``asking.ask_report_path(...)``), so a test can monkeypatch
them and never block on a dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

from workbench.gui.widgets.dialogs import OPEN_FILTER

REPORT_FILTER = "HTML report (*.html)"
EVIDENCE_FILTER = "Evidence pack (*.zip)"


def _save(parent: QWidget | None, title: str, suggested: str, name_filter: str, suffix: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
    if not path:
        return None
    return path if path.lower().endswith(suffix) else path + suffix


def ask_report_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to write an HTML report."""
    return _save(parent, "Export Report", suggested, REPORT_FILTER, ".html")


def ask_evidence_path(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to write an evidence pack."""
    return _save(parent, "Export Evidence", suggested, EVIDENCE_FILTER, ".zip")


def ask_masked_path(parent: QWidget | None, suggested: str, syntax: str) -> str | None:
    """Ask where to write a masked copy (in the message's own syntax)."""
    name_filter = "FHIR JSON (*.json)" if syntax == "json" else "FHIR XML (*.xml)"
    return _save(parent, "Save Masked Copy", suggested, name_filter, f".{syntax}")


def ask_message_path(parent: QWidget | None, directory: str = "") -> str | None:
    """Ask for one FHIR message file (to compare, or a Response for an evidence pack)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Choose a FHIR message", directory, OPEN_FILTER)
    return path or None


def ask_message_paths(parent: QWidget | None, directory: str = "") -> list[str]:
    """Ask for FHIR message files (Responses for an evidence pack); empty when cancelled."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Choose ITK Responses", directory, OPEN_FILTER)
    return list(paths)
