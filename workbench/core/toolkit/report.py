"""What a validation report says, for a person and for a file: verdicts, findings with the source
lines around them, and the versions behind them.

:func:`verdict_text` words a report's verdict (it says when only some layers ran, so a partial
run never claims a receiver would answer 20013); :func:`file_report` gathers what an HTML or
JSON report shows about one file; :func:`versions` names the workbench, its profiles and its
catalogue, so a report or evidence pack says what judged the message.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field

from workbench import __version__
from workbench.core.catalogue import catalogue
from workbench.core.toolkit.responses import ResponseSummary, response_summary
from workbench.core.tree import decode_source
from workbench.core.validation.issue import LAYERS, Issue
from workbench.core.validation.runner import Report, Validator
from workbench.core.words import joined, plural, severity_count

#: Lines shown before and after a finding's line.
CONTEXT = 2


def partial_layers(layers: Sequence[str] | None) -> tuple[str, ...] | None:
    """The layers that ran when they are not all of them, else None."""
    if layers is None or set(LAYERS) <= set(layers):
        return None
    return tuple(layer for layer in LAYERS if layer in layers)


def counts_text(report: Report) -> str:
    """``2 errors, 1 warning`` or ``no findings``."""
    counts = report.counts()
    return ", ".join(severity_count(s, n) for s, n in counts.items() if n) or "no findings"


def verdict_word(report: Report) -> str:
    """``valid``, ``INVALID`` or ``unreadable``."""
    return "valid" if report.valid else ("unreadable" if not report.readable else "INVALID")


def verdict_text(report: Report, layers: Sequence[str] | None = None) -> str:
    """The verdict in a sentence: ``valid (1 warning); a receiver would answer 20013 Success``.

    When only some layers ran (``layers``), a valid report predicts nothing and an invalid one
    says its prediction comes from those layers alone.
    """
    code, display = report.predicted
    head = f"{verdict_word(report)} ({counts_text(report)})"
    partial = partial_layers(layers)
    if partial is None or not report.readable:
        return f"{head}; receiver would answer {code} {display}"
    ran = f"the {joined(list(partial))} {'layer' if len(partial) == 1 else 'layers'}"
    if report.valid:
        return f"{head} in {ran}; other layers not run, so no receiver answer is predicted"
    return f"{head}; {ran} alone say a receiver would answer {code} {display} (other layers not run)"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Source lines around a finding.

    Attributes:
        first: the number of the first line shown.
        lines: the lines (without line ends).
        marked: the number of the finding's line.
    """

    first: int
    lines: tuple[str, ...]
    marked: int


@dataclass(frozen=True)
class FileReport:
    """What a report shows about one file.

    Attributes:
        name: the file (as given).
        syntax: ``xml`` or ``json`` (as sniffed), None when unreadable.
        size: bytes.
        sha256: the SHA-256 of the bytes.
        report: the validation report.
        verdict: :func:`verdict_text`.
        excerpts: the source lines around each finding, by the finding's index.
        response: what the file says, when it is an ITK Response.
        layers: the layers that ran.
    """

    name: str
    syntax: str | None
    size: int
    sha256: str
    report: Report
    verdict: str
    excerpts: dict[int, Excerpt] = field(default_factory=dict)
    response: ResponseSummary | None = None
    layers: tuple[str, ...] = LAYERS

    @property
    def issues(self) -> list[Issue]:
        """The findings, in source order."""
        return self.report.issues

    def to_json(self) -> dict[str, object]:
        """The file's report as plain data (the validate JSON, plus verdict, hash and Response)."""
        data = self.report.to_json()
        data["file"] = self.name
        data["sha256"] = self.sha256
        data["size"] = self.size
        data["verdict"] = self.verdict
        data["layers"] = list(self.layers)
        if partial_layers(self.layers) is not None and self.report.valid:
            data["predicted_response"] = None
        if self.response is not None:
            data["response"] = self.response.to_json()
        return data


def file_report(data: bytes, name: str, validator: Validator | None = None, *, context: int = CONTEXT) -> FileReport:
    """Validate a file's bytes and gather what a report shows about it."""
    validator = validator or Validator()
    report = validator.validate_bytes(data, name)
    text = report.document.text if report.document is not None else decode_source(data)
    lines = (text or "").splitlines()
    excerpts = {}
    for index, issue in enumerate(report.issues):
        if issue.line is not None and 1 <= issue.line <= len(lines) + 1:
            first = max(1, issue.line - context)
            last = min(len(lines), issue.line + context)
            excerpts[index] = Excerpt(first, tuple(lines[first - 1 : last]), issue.line)
    document = report.document
    summary = response_summary(document) if document is not None else None
    return FileReport(
        name=name,
        syntax=document.format if document is not None else None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        report=report,
        verdict=verdict_text(report, validator.enabled),
        excerpts=excerpts,
        response=summary,
        layers=tuple(validator.enabled),
    )


def versions(validator: Validator | None = None) -> dict[str, object]:
    """The workbench, Python, profile and catalogue versions behind a report."""
    book = catalogue()
    registry = validator.registry if validator is not None else None
    profiles: list[dict[str, str | None]] = []
    for kind, items in (
        ("StructureDefinition", getattr(registry, "structure_definitions", list)()),
        ("ValueSet", getattr(registry, "value_sets", list)()),
        ("CodeSystem", getattr(registry, "code_systems", list)()),
    ):
        profiles.extend({"type": kind, "url": item.url, "version": item.version} for item in items)
    return {
        "workbench": __version__,
        "python": platform.python_version(),
        "catalogue": {name: version for name, version in book.code_system_versions},
        "profiles": sorted(profiles, key=lambda p: (p["type"] or "", p["url"] or "")),
    }


def summary_line(reports: Sequence[FileReport]) -> str:
    """``3 files: 1 valid, 1 invalid, 1 unreadable``."""
    valid = sum(r.report.valid for r in reports)
    unreadable = sum(not r.report.readable for r in reports)
    return (
        f"{plural(len(reports), 'file')}: {valid} valid, {len(reports) - valid - unreadable} invalid, "
        f"{unreadable} unreadable"
    )
