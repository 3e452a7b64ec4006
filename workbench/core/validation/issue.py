"""Validation findings: what is wrong, where, how bad, how to fix it, what a receiver answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workbench.core.errors import shorten_words
from workbench.core.stu3.paths import node_path
from workbench.core.tree import Document, Node

Severity = Literal["fatal", "error", "warning", "information"]
Layer = Literal["syntax", "structure", "bundle", "profile", "terminology", "itk3"]

#: Layers in the order they run and are listed.
LAYERS: tuple[Layer, ...] = ("syntax", "structure", "bundle", "profile", "terminology", "itk3")
SEVERITIES: tuple[Severity, ...] = ("fatal", "error", "warning", "information")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding.

    Attributes:
        severity: fatal, error, warning or information.
        layer: the validation layer that found it.
        rule: a stable rule id (``struct-unknown-element``, ``itk-recipient-type``).
        message: what is wrong, in plain English, naming the values involved.
        hint: how to fix it, or None.
        path: the element path (``Bundle.entry[0].resource.extension[0]``), or None.
        line: 1-based line in the source, or None.
        column: 1-based column, or None.
        itk_code: the ITK response code a receiver would answer, when it would reject.
        node: the tree node, for selecting it in the GUI (not part of equality).
    """

    severity: Severity
    layer: Layer
    rule: str
    message: str
    hint: str | None = None
    path: str | None = None
    line: int | None = None
    column: int | None = None
    itk_code: str | None = None
    node: Node | None = field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        """True for fatal and error findings (the ones that make a message invalid)."""
        return self.severity in ("fatal", "error")

    @property
    def text(self) -> str:
        """Message and hint as one sentence pair."""
        if not self.hint:
            return self.message
        return f"{self.message}. {self.hint[:1].upper()}{self.hint[1:]}"

    def to_json(self) -> dict[str, object]:
        """The issue as plain data (the CLI's ``--format json``)."""
        return {
            "severity": self.severity,
            "layer": self.layer,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "itk_code": self.itk_code,
        }


def sort_key(issue: Issue) -> tuple[int, int, int]:
    """Order issues by source position, then severity."""
    return (issue.line or 0, issue.column or 0, _SEVERITY_RANK[issue.severity])


class IssueSink:
    """Collects issues for one document, filling in path and position from the node."""

    def __init__(self, document: Document | None, layer: Layer) -> None:
        self.document = document
        self.layer: Layer = layer
        self.issues: list[Issue] = []

    def add(
        self,
        severity: Severity,
        rule: str,
        message: str,
        node: Node | None = None,
        *,
        hint: str | None = None,
        itk_code: str | None = None,
        path: str | None = None,
        position: tuple[int, int] | None = None,
    ) -> Issue:
        """Record a finding about ``node`` (or the whole document when None)."""
        if node is not None:
            path = path or node_path(node)
            if position is None and self.document is not None:
                positioned = _positioned(node)
                position = self.document.position(positioned) if positioned is not None else None
        line, column = position if position is not None else (None, None)
        message, hint = shorten_words(message), shorten_words(hint) if hint else hint
        path = shorten_words(path) if path else path
        issue = Issue(severity, self.layer, rule, message, hint, path, line, column, itk_code, node)
        self.issues.append(issue)
        return issue


def _positioned(node: Node) -> Node | None:
    """The nearest node at or above ``node`` that has a source position.

    None when that is only the root and ``node`` is not: everything down to it was added by
    edits, and the root's first line would say nothing of where the finding is.
    """
    current: Node | None = node
    while current is not None and current.src < 0:
        current = current.parent
    if current is None:
        return node
    if current is not node and current.parent is None:
        return None
    return current
