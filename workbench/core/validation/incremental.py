"""Re-validation after edits that re-checks only the Bundle entries that changed.

An :class:`IncrementalValidator` wraps a :class:`~workbench.core.validation.runner.Validator`
and keeps what it found last time. Given the nodes an edit changed, it re-runs the base STU3
structure check only for the top-level entries (``Bundle.entry``) that contain a changed node,
reuses the previous findings (the same :class:`Issue` objects) of every other entry, and re-runs
the layers that look at the document as a whole. The merged report equals what a full
validation of the edited document gives: same issues, same order, same predicted response.

Which layers run per entry, and why only the structure check does:

* **structure** (``struct-*``, and the base-definition ``fhir-*`` findings it reports in layer
  ``profile``) looks at one element and its children at a time, so an entry's findings depend on
  the entry alone, and on where it sits (its index appears in every path). It is also most of
  the time a large Bundle takes (0.06-0.10 s of 0.14 s for 1,000 entries).
* **profile and terminology** are re-run whole. Their findings are not per entry: a profile
  claimed by, or chosen for, the message Bundle walks every entry (slices, cardinalities); a
  Reference's ``targetProfile`` applies a profile to a resource in another entry; "profile not
  loaded" and "code not verified" notes are summarised across the document ("and 12 more").
  Re-running them for one entry would give a different report from a full validation. They
  take 0.02-0.06 s for 1,000 entries.
* **syntax notes, bundle integrity and ITK3 rules** are whole-document by nature (fullUrls,
  references between entries, the header) and fast; they are re-run every time.

Positions: an issue's line and column are where its node (or, for a node an edit added, the
nearest ancestor read from the source, unless that is only the root: then none) starts in the
source *as received*. Edits never change
``document.source``, so these positions stay true of the original text (the Original preview
shows it) and are not recomputed; every issue also carries its ``node``, which is what the GUI
selects. A removed node's issues disappear with it.

A run is partial only when the same document was validated before, the caller says what changed,
the Bundle has at least ``partial_from`` entries, and the structure check did not stop at its
issue limit; otherwise it is a full run (which also refills the cache).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.core.tree import Document, Node, gc_paused
from workbench.core.validation import structure as structure_layer
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue, IssueSink
from workbench.core.validation.runner import Report, Validator

#: Bundles with fewer entries are always validated in full (it is as fast, and simpler).
PARTIAL_FROM = 20


@dataclass(frozen=True, slots=True)
class RunStats:
    """What the last run did.

    Attributes:
        partial: True when some entries' findings were reused.
        entries: the top-level entries of the document.
        checked: entries whose structure was checked in this run.
        reused: entries whose previous findings were reused.
    """

    partial: bool
    entries: int
    checked: int
    reused: int


@dataclass(frozen=True, slots=True)
class _Segment:
    """The structure findings of one top-level entry, and where the entry sat."""

    node: Node
    ordinal: int
    structure: tuple[Issue, ...]
    base: tuple[Issue, ...]


class _SegmentWalker(structure_layer.StructureWalker):
    """The structure layer's walker, recording (or reusing) the findings of each top-level entry.

    It walks exactly as the structure layer does, so findings come in the same order; at each
    ``Bundle.entry`` it either walks the entry or splices in the findings recorded for it.
    """

    def __init__(
        self,
        sink: IssueSink,
        base: IssueSink,
        xml: bool,
        root: Node,
        cache: dict[int, _Segment],
        dirty: set[int] | None,
    ) -> None:
        super().__init__(sink, base, xml)
        self.top = root
        self.cache = cache
        self.dirty = dirty
        self.segments: dict[int, _Segment] = {}
        self.ordinal = 0
        self.checked = 0
        self.reused = 0

    def element(self, child: Node, found: structure_layer.stu3.ElementDef, scope: dict[str, str]) -> None:
        """Walk an element; at a top-level entry, reuse its findings when it has not changed."""
        if child.parent is not self.top or child.name != "entry":
            super().element(child, found, scope)
            return
        ordinal, self.ordinal = self.ordinal, self.ordinal + 1
        start, base_start = len(self.sink.issues), len(self.base.issues)
        key = id(child)
        segment = self.cache.get(key)
        if (
            self.dirty is not None
            and key not in self.dirty
            and segment is not None
            and segment.node is child
            and segment.ordinal == ordinal
        ):
            self.sink.issues.extend(segment.structure)
            self.base.issues.extend(segment.base)
            self.reused += 1
        else:
            super().element(child, found, scope)
            self.checked += 1
        self.segments[key] = _Segment(
            child, ordinal, tuple(self.sink.issues[start:]), tuple(self.base.issues[base_start:])
        )


class IncrementalValidator:
    """Validates one document again and again, re-checking only the entries edits changed.

    Not thread-safe: run one validation at a time (the GUI runs them one after another in a
    worker thread).

    Args:
        validator: the layers, profiles and options to validate with.
        partial_from: the number of top-level entries from which runs may be partial.
    """

    def __init__(self, validator: Validator, *, partial_from: int = PARTIAL_FROM) -> None:
        self.validator = validator
        self.partial_from = partial_from
        self._document: Document | None = None
        self._segments: dict[int, _Segment] = {}
        self._report: Report | None = None
        self._stats = RunStats(False, 0, 0, 0)

    @property
    def report(self) -> Report | None:
        """The report of the last run, if any."""
        return self._report

    @property
    def stats(self) -> RunStats:
        """What the last run did."""
        return self._stats

    def entry_findings(self, entry: Node) -> tuple[Issue, ...] | None:
        """The structure findings recorded for a top-level entry in the last run (None: none recorded).

        These are the objects reused when the entry has not changed; the report's issues are
        copies of them with the receiver's code added where it applies.
        """
        segment = self._segments.get(id(entry))
        if segment is None or segment.node is not entry:
            return None
        return segment.structure + segment.base

    def reset(self) -> None:
        """Forget everything: the next run is a full one."""
        self._document = None
        self._segments = {}
        self._report = None

    def validate(self, document: Document, changed: Iterable[Node] | None = None) -> Report:
        """Validate a document; with ``changed``, re-check only the entries that contain them.

        Args:
            document: the document (its tree as it is now).
            changed: the nodes changed since the last run of this document (as the edits
                returned them), or None for a full run.
        """
        with gc_paused():
            try:
                return self._validate(document, changed)
            except BaseException:
                self.reset()  # a half-filled cache must not be reused
                raise

    def _validate(self, document: Document, changed: Iterable[Node] | None) -> Report:
        start = time.perf_counter()
        validator = self.validator
        if document is not self._document:
            self.reset()
            changed = None
        root = document.root
        entries = sum(1 for c in root.children if c.name == "entry")
        dirty: set[int] | None = None
        if changed is not None and entries >= self.partial_from and self._segments:
            dirty = _dirty_entries(root, changed)
        self._stats = RunStats(False, entries, 0, 0)
        report = validator.validate(document, replace={"structure": lambda context: self._structure(context, dirty)})
        report.seconds = time.perf_counter() - start
        self._document = document
        self._report = report
        return report

    def _structure(self, context: ValidationContext, dirty: set[int] | None) -> list[Issue]:
        """The structure layer's findings, reusing the recorded ones of entries not in ``dirty``."""
        document = context.document
        walker = self._walk(context, dirty)
        if walker.reused and len(walker.sink.issues) >= structure_layer.MAX_ISSUES:
            walker = self._walk(context, None)  # a full walk stops at the limit: do what it does
        self._segments = walker.segments
        self._stats = RunStats(
            walker.reused > 0,
            sum(1 for c in document.root.children if c.name == "entry"),
            walker.checked,
            walker.reused,
        )
        return walker.sink.issues + walker.base.issues

    def _walk(self, context: ValidationContext, dirty: set[int] | None) -> _SegmentWalker:
        document = context.document
        walker = _SegmentWalker(
            context.sink("structure"),
            context.sink("profile"),
            document.format == "xml",
            document.root,
            self._segments,
            dirty,
        )
        walker.root(document.root)
        return walker


def _dirty_entries(root: Node, changed: Iterable[Node]) -> set[int]:
    """``id()`` of the top-level entries that contain a changed node."""
    dirty: set[int] = set()
    for node in changed:
        current: Node | None = node
        while current is not None and current.parent is not None:
            if current.parent is root and current.name == "entry":
                dirty.add(id(current))
                break
            current = current.parent
    return dirty
