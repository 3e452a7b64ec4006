"""Run the validation layers over a document and give the verdict.

Layers are modules with a ``check(context) -> list[Issue]`` function. Syntax problems come from
reading: a document that cannot be read gets one fatal issue and the receiver's 10009.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.core.codecs import read_bytes, read_file
from workbench.core.errors import ReadError, shorten
from workbench.core.pacing import pause_point
from workbench.core.stu3.paths import sibling_index
from workbench.core.tree import Document, gc_paused
from workbench.core.validation.bundle import check as check_bundle
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import LAYERS, Issue, Layer, sort_key
from workbench.core.validation.itk3rules import check as check_itk3
from workbench.core.validation.profile_layer import check as check_profiles
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.receiver import predicted_response
from workbench.core.validation.structure import check as check_structure

Check = Callable[[ValidationContext], list[Issue]]

_log = logging.getLogger(__name__)

#: Receiver codes for structural findings, by where they sit.
_REGION_CODES = {"handling": "10001", "header": "20006", "payload": "20009"}


@dataclass
class Report:
    """The result of validating one document.

    Attributes:
        file: the file validated, if any.
        issues: the findings, in source order.
        predicted: (code, display) of the Response a receiver would answer first.
        seconds: how long validation took.
        document: the document, when it could be read.
    """

    file: str | None
    issues: list[Issue] = field(default_factory=list)
    predicted: tuple[str, str] = ("20013", "Success")
    seconds: float = 0.0
    document: Document | None = None

    @property
    def valid(self) -> bool:
        """True when no finding is an error or fatal."""
        return not any(i.is_error for i in self.issues)

    @property
    def readable(self) -> bool:
        """False when the input could not be read at all."""
        return self.document is not None

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        counts = {"fatal": 0, "error": 0, "warning": 0, "information": 0}
        for issue in self.issues:
            counts[issue.severity] += 1
        return counts

    def to_json(self) -> dict[str, object]:
        """The report as plain data (one object per file in ``validate --format json``)."""
        code, display = self.predicted
        return {
            "file": self.file,
            "valid": self.valid,
            "predicted_response": {"code": code, "display": display},
            "issues": [i.to_json() for i in self.issues],
        }


#: The layers after syntax, in the order they run, each with its check.
LAYER_CHECKS: tuple[tuple[Layer, Check], ...] = (
    ("structure", check_structure),
    ("bundle", check_bundle),
    ("profile", check_profiles),
    ("itk3", check_itk3),
)


class _Shipped:
    """Marker: use the profiles the workbench ships."""


SHIPPED = _Shipped()


class Validator:
    """Validates documents with a fixed set of layers, profiles and options.

    By default the profile layer uses the ITK3 pack the workbench ships; pass a
    ``ProfileRegistry`` to add the user's own, or ``None`` for no profiles at all.
    """

    def __init__(
        self,
        registry: object | None = SHIPPED,
        *,
        layers: Sequence[Layer] = LAYERS,
        profiles: Sequence[str] = (),
        options: dict[str, object] | None = None,
    ) -> None:
        self.enabled = tuple(layers)
        wants_profiles = "profile" in self.enabled or "terminology" in self.enabled
        if isinstance(registry, _Shipped):
            registry = ProfileRegistry.default() if wants_profiles else None
        self.registry = registry
        self.profiles = tuple(profiles)
        self.options = dict(options or {})
        # The profile layer also reports the terminology findings, so it runs for either.
        self._checks = {
            name: check
            for name, check in LAYER_CHECKS
            if name in self.enabled or (name == "profile" and wants_profiles)
        }

    def validate(self, document: Document, *, replace: Mapping[str, Check] | None = None) -> Report:
        """Validate a document that has been read.

        Args:
            document: the document.
            replace: checks to run instead of some layers' own (the incremental validator
                passes a structure check that reuses the findings of unchanged entries).
        """
        with gc_paused(), sibling_index():
            return self._validate(document, replace or {})

    def _validate(self, document: Document, replace: Mapping[str, Check]) -> Report:
        start = time.perf_counter()
        context = ValidationContext(document, self.registry, self.profiles, self.options, self.enabled)  # type: ignore[arg-type]
        issues: list[Issue] = []
        if "syntax" in self.enabled:
            issues.extend(_reader_notes(context))
        for name, check in self._checks.items():
            issues.extend(_run_layer(name, replace.get(name, check), context))
        specific = any(i.layer == "itk3" and i.is_error and context.region(i.node) == "handling" for i in issues)
        issues = [_with_receiver_code(i, context, specific) for i in issues]
        issues.sort(key=sort_key)
        return Report(document.path, issues, predicted_response(issues), time.perf_counter() - start, document)

    def validate_bytes(self, data: bytes, path: str | None = None) -> Report:
        """Read and validate bytes; unreadable input gives one fatal syntax issue (10009)."""
        try:
            document = read_bytes(data, path)
        except ReadError as exc:
            return unreadable_report(exc, path)
        return self.validate(document)

    def validate_file(self, path: str | Path) -> Report:
        """Read and validate a file; unreadable input gives one fatal syntax issue (10009)."""
        try:
            document = read_file(path)
        except ReadError as exc:
            return unreadable_report(exc, str(path))
        return self.validate(document)


def _run_layer(name: Layer, check: Check, context: ValidationContext) -> list[Issue]:
    """Run one layer; a defect in it becomes a finding (and a logged error), never a lost report.

    The other layers still run, and a folder run keeps every other file's results.
    """
    pause_point()
    try:
        return check(context)
    except (Exception, RecursionError) as exc:
        _log.error("the %s layer failed on %s", name, context.document.path or "a document", exc_info=True)
        detail = shorten(f"{type(exc).__name__}: {exc}", 200)
        return [
            Issue(
                "error",
                name,
                "validation-incomplete",
                f"the {name} layer could not finish ({detail}), so its checks are missing from this report",
                "this is a defect in the workbench; the other layers ran",
            )
        ]


def unreadable_report(exc: ReadError, path: str | None) -> Report:
    """The report for input that cannot be read: one fatal syntax issue, answered with 10009."""
    issue = Issue(
        "fatal",
        "syntax",
        "syntax-unreadable",
        exc.message,
        "fix the file so that it is well-formed; a receiver cannot read it",
        None,
        exc.line,
        exc.column,
        "10009",
    )
    return Report(path, [issue], predicted_response([issue]))


def _reader_notes(context: ValidationContext) -> list[Issue]:
    sink = context.sink("syntax")
    document = context.document
    by_src = {n.src: n for n in document.root.iter() if n.src >= 0} if document.notes else {}
    for src, note in document.notes:
        node = by_src.get(src)
        position = document.position_of(src) if node is None else None
        sink.add("error", "syntax-json", note, node, position=position)
    return sink.issues


def _with_receiver_code(issue: Issue, context: ValidationContext, handling_coded: bool) -> Issue:
    """Give an error the code a receiver answers for a fault where it sits.

    In the handling extension the ITK3 layer names the key-specific code (10002, 10010, ...);
    when it has, other layers' findings there get no code, so the generic 10001 (first in
    receiver order) does not hide the specific one.
    """
    if issue.itk_code is not None or not issue.is_error:
        return issue
    if issue.layer == "syntax" and issue.node is None:
        return replace(issue, itk_code="10009")
    region = context.region(issue.node)
    if region == "handling" and handling_coded:
        return issue
    code = _REGION_CODES.get(region)
    return replace(issue, itk_code=code) if code else issue
