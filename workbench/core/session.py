"""One open message, without Qt: everything the workbench knows about it, in one object.

A :class:`MessageSession` owns a message from the moment it is opened (or made) until it is
closed: its bytes as opened or last saved, its name, path and syntax, the editable tree with its
edit history (undo and redo), the ITK3 view of it (the labels' context), the latest validation
report and the version it was made for, and whether it has unsaved edits. Nothing else keeps a
copy of the document: the desktop application's panels, the CLI and the message store read it
from the session.

A message that cannot be read still gets a session: it holds the bytes (when there are any), the
:class:`~workbench.core.errors.ReadError` that says where reading failed, and the verdict a
receiver would answer (10009), so a tester is never left with nothing to look at.

Observers (:class:`SessionObserver`) are told what happens: edited, validated, saved, closed.
Changes of the tree row by row go to the :class:`~workbench.core.edits.EditObserver` s of
:attr:`MessageSession.editable` (a view that keeps rows in step attaches there).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path

from workbench.core.codecs import Progress, read_bytes, read_file_bytes, render_for_saving, sniff
from workbench.core.edits import Edit, EditableDocument, EditError, RemoveElement, SetValue, deletable
from workbench.core.errors import ReadError
from workbench.core.files import atomic_write
from workbench.core.itk3.labels import LabelContext
from workbench.core.spans import align_pairs
from workbench.core.tree import FROM_JSON_ARRAY, Document, Node, gc_paused
from workbench.core.validation.runner import Report, Validator, unreadable_report


class SessionObserver:
    """Told what happens to a :class:`MessageSession` (override what you need)."""

    def session_edited(self, session: MessageSession, changed: Sequence[Node]) -> None:
        """An edit was made, undone or redone; ``changed`` are the nodes it changed."""

    def session_validated(self, session: MessageSession, report: Report) -> None:
        """A report for the message as it is now was recorded."""

    def session_saved(self, session: MessageSession) -> None:
        """The message was saved (its path, name, syntax and bytes may have changed)."""

    def session_closed(self, session: MessageSession) -> None:
        """The message was closed; the session is not used any more."""


class MessageSession:
    """One open message.

    Build one with :meth:`open_file`, :meth:`open_bytes` or :meth:`from_document`.

    Attributes:
        key: A stable identifier of this session (autosave files and restored tabs use it).
        name: What the message is called (the file's name, or a name given to bytes).
        path: The file it was read from or last saved to; None for bytes or a new message.
        source: The bytes as opened, or as last saved (see :attr:`source_saved`); None for a
            message made in memory and never saved, or a file that could not be opened at all.
        source_saved: True when :attr:`source` holds the bytes as last saved, False as opened.
        error: Why the bytes could not be read as a message; None when they were.
        document: The message's tree; None when it could not be read.
        editable: The tree under edit, with its history; None when it could not be read.
        labels: The ITK3 view of the message and what its labels need; None when unreadable.
        report: The latest validation report recorded, if any.
        report_version: The edit version :attr:`report` was made for (-1: none).
        observers: Told what happens, in order.
    """

    def __init__(
        self,
        *,
        name: str,
        path: str | None = None,
        source: bytes | None = None,
        document: Document | None = None,
        error: ReadError | None = None,
        labels: LabelContext | None = None,
        key: str | None = None,
    ) -> None:
        self.key = key or uuid.uuid4().hex
        self.name = name
        self.path = path
        self.source = source
        self.source_saved = False
        self.error = error
        self.document = document
        self.editable = EditableDocument(document) if document is not None else None
        self.labels = labels if labels is not None or document is None else _labels(document)
        self.report: Report | None = None
        self.report_version = -1
        self.observers: list[SessionObserver] = []
        self._unsaved_new = False
        if error is not None:
            self.report = unreadable_report(error, path or name)
            self.report_version = 0

    # ------------------------------------------------------------------------------ building

    @classmethod
    def open_bytes(
        cls,
        data: bytes,
        name: str,
        path: str | None = None,
        *,
        syntax: str | None = None,
        progress: Progress | None = None,
        key: str | None = None,
    ) -> MessageSession:
        """A session for message bytes; unreadable bytes give a session that says why."""
        try:
            document = read_bytes(data, path, syntax, progress)
        except ReadError as exc:
            if exc.file is None:
                exc.file = name
            return cls(name=name, path=path, source=data, error=exc, key=key)
        with gc_paused():  # the view allocates an object per entry; see LabelContext
            labels = _labels(document)
        return cls(name=name, path=path, source=data, document=document, labels=labels, key=key)

    @classmethod
    def open_file(cls, path: str | Path, *, progress: Progress | None = None, key: str | None = None) -> MessageSession:
        """A session for a file; a file that cannot be read gives a session that says why."""

        name = str(path)
        try:
            data = read_file_bytes(name)
        except ReadError as exc:
            return cls(name=Path(name).name, path=name, error=exc, key=key)
        return cls.open_bytes(data, Path(name).name, name, progress=progress, key=key)

    @classmethod
    def from_document(cls, document: Document, name: str, *, key: str | None = None) -> MessageSession:
        """A session for a message made in memory (File › New); it counts as unsaved."""
        session = cls(name=name, document=document, key=key)
        session._unsaved_new = True
        return session

    # ---------------------------------------------------------------------------- what it is

    @property
    def readable(self) -> bool:
        """True when the bytes were read as a message (there is a tree)."""
        return self.document is not None

    @property
    def syntax(self) -> str:
        """``xml`` or ``json``: the syntax the message was read from (or will be saved in)."""
        if self.document is not None:
            return self.document.format
        if self.source is not None:
            return sniff(self.source, self.path or self.name)
        return "json" if (self.path or self.name).lower().endswith(".json") else "xml"

    @property
    def sha256(self) -> str | None:
        """The SHA-256 of :attr:`source` (hex), or None when there are no bytes."""
        return hashlib.sha256(self.source).hexdigest() if self.source is not None else None

    @property
    def version(self) -> int:
        """The edit version of the tree (a result made for an older version is stale)."""
        return self.editable.version if self.editable is not None else 0

    @property
    def modified(self) -> bool:
        """True when the message has edits not saved (or was made and never saved)."""
        return self._unsaved_new or (self.editable is not None and self.editable.modified)

    @property
    def edited(self) -> bool:
        """True when the tree differs from :attr:`source` (so the Original view is not it).

        After a save :attr:`source` holds the bytes saved, so only edits since (or undone
        past) the save count.
        """
        if self.editable is None:
            return False
        return self.editable.modified if self.source_saved else self.editable.edited

    @property
    def report_current(self) -> bool:
        """True when :attr:`report` was made for the message as it is now."""
        return self.report is not None and self.report_version == self.version

    # ------------------------------------------------------------------------------- editing

    def apply(self, edit: Edit) -> list[Node]:
        """Make an edit (undoably); return the nodes it changed.

        Raises:
            EditError: the message cannot be edited, or the edit does not fit the tree.
        """
        return self._after_edit(self._editable().apply(edit))

    def undo(self) -> list[Node]:
        """Undo the newest edit; return the nodes it changed (none when nothing to undo)."""
        return self._after_edit(self._editable().undo()) if self.can_undo else []

    def redo(self) -> list[Node]:
        """Make the newest undone edit again; return the nodes it changed.

        Raises:
            EditError: the edit no longer fits the tree (it is dropped).
        """
        return self._after_edit(self._editable().redo()) if self.can_redo else []

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return self.editable is not None and self.editable.can_undo

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to make again."""
        return self.editable is not None and self.editable.can_redo

    @property
    def undo_text(self) -> str:
        """What Undo would undo, in words."""
        return self.editable.undo_text if self.editable is not None else ""

    @property
    def redo_text(self) -> str:
        """What Redo would make again, in words."""
        return self.editable.redo_text if self.editable is not None else ""

    def set_value(self, node: Node, value: str) -> bool:
        """Set a primitive's value (undoably); return whether anything changed.

        Raises:
            EditError: the node is not a primitive, or the message cannot be edited.
        """
        if node.value == value:
            return False
        self.apply(SetValue(node, value, self._editable().document))
        return True

    def delete(self, node: Node) -> str | None:
        """Delete the element a row shows (undoably); return why not, or None when deleted."""
        found = deletable(node)
        if isinstance(found, str):
            return found
        self.apply(RemoveElement(found))
        return None

    # ---------------------------------------------------------------------------- validation

    def validate(self, validator: Validator | None = None) -> Report:
        """Validate the message as it is now and record the report (synchronously)."""
        if self.document is None:
            assert self.report is not None  # an unreadable message has its 10009 report
            return self.report
        version = self.version
        report = (validator or Validator()).validate(self.document)
        self.set_report(report, version)
        return report

    def set_report(self, report: Report, version: int) -> bool:
        """Record a report made for ``version``; a stale one is dropped. Return whether recorded."""
        if version != self.version:
            return False
        self.report, self.report_version = report, version
        for observer in list(self.observers):
            observer.session_validated(self, report)
        return True

    # -------------------------------------------------------------------------------- saving

    def render(self, syntax: str | None = None, *, keep_xml: bool = False) -> bytes:
        """The message as it is now, as ``syntax`` bytes (its own syntax by default).

        Raises:
            EditError: the message could not be read, so there is nothing to render.
            WriteError: the tree cannot be written in that syntax.
        """
        if self.document is None:
            raise EditError(f"{self.name} could not be read, so it cannot be written")
        return render_for_saving(self.document, syntax or self.syntax, keep_xml)

    def save(self, path: str | Path, syntax: str | None = None, *, keep_xml: bool = False) -> int:
        """Write the message to a file (atomically) and make that its file; return the size.

        Raises:
            OSError: the file cannot be written.
            WriteError: the tree cannot be written in that syntax.
            EditError: the message could not be read.
        """
        data = self.render(syntax, keep_xml=keep_xml)
        atomic_write(path, data)
        self.path, self.name = str(path), Path(path).name
        self.source, self.source_saved = data, True
        if self.document is not None:
            _rebase(self.document, data, syntax or self.syntax)
        if self.editable is not None:
            self.editable.mark_saved()
        self._unsaved_new = False
        for observer in list(self.observers):
            observer.session_saved(self)
        return len(data)

    def close(self) -> None:
        """Close the message: observers are told, then forgotten."""
        for observer in list(self.observers):
            observer.session_closed(self)
        self.observers.clear()
        if self.editable is not None:
            self.editable.observers.clear()

    # ------------------------------------------------------------------------------- helpers

    def _editable(self) -> EditableDocument:
        if self.editable is None:
            raise EditError(f"{self.name} could not be read, so it cannot be edited")
        return self.editable

    def _after_edit(self, changed: list[Node]) -> list[Node]:
        assert self.document is not None
        with gc_paused():  # labels read the message again: the header's rows may quote the edit
            self.labels = _labels(self.document)
        for observer in list(self.observers):
            observer.session_edited(self, changed)
        return changed

    def __repr__(self) -> str:
        state = "unreadable" if self.error else ("modified" if self.modified else "clean")
        return f"<MessageSession {self.name!r} {self.syntax} {state}>"


def _rebase(document: Document, data: bytes, syntax: str) -> None:
    """Make a saved document's tree stand for the bytes saved: positions, syntax, JSON types.

    The saved bytes are read back and aligned with the tree; each node takes its twin's source
    position and, when the syntax changed, its value's JSON type (the text is the same) and
    whether it is an item of a JSON array, so later findings point into the bytes the Original
    view shows (and do not report an XML tree's repeats as JSON written without arrays), and
    later edits type values as the new syntax needs.
    """
    twin = read_bytes(data, syntax=syntax)
    document.rebase(data, syntax)
    for node in document.root.iter():
        node.src = -1
    for node, saved in align_pairs(document.root, twin.root):
        node.src = saved.src
        node.flags = (node.flags & ~FROM_JSON_ARRAY) | (saved.flags & FROM_JSON_ARRAY)
        if node.value is not None and node.value == saved.value:
            node.value = saved.value
    for nodes, saved_nodes in ((document.prolog, twin.prolog), (document.epilog, twin.epilog)):
        for node, saved in zip(nodes, saved_nodes, strict=False):
            node.src = saved.src


def _labels(document: Document) -> LabelContext:
    return LabelContext.for_document(document)
