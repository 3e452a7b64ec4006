"""Rendering a message as XML or JSON off the GUI thread, aligned with the tree shown.

:class:`RenderTask` writes the tree with the workbench's writers, reads the text back to learn
where each node landed, and pairs the rendered nodes with the originals
(:func:`~workbench.core.spans.align_pairs`), so a selection in the tree marks lines in the
rendered text and a click in the text selects a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRunnable

from workbench.core.codecs import read_bytes, render
from workbench.core.errors import WorkbenchError
from workbench.core.spans import align_pairs
from workbench.core.tree import Document, Node
from workbench.gui.inspector.highlight import normalise_newlines
from workbench.gui.tasks import TaskFailure, TaskSignals, quiet_collector, warm

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A document rendered as XML or JSON, read back for positions, aligned with the original.

    Attributes:
        generation: The request number the result answers.
        syntax: ``xml`` or ``json``.
        text: The rendered text (line breaks as ``\\n``).
        document: The rendered text read back (its nodes have positions in ``text``).
        forward: ``id(original node)`` to the rendered node.
        backward: ``id(rendered node)`` to the original node.
    """

    generation: int
    syntax: str
    text: str
    document: Document
    forward: dict[int, Node]
    backward: dict[int, Node]


class RenderTask(QRunnable):
    """Render a document as XML or JSON, read it back and align it with the original tree.

    Args:
        document: The original document (only read, never changed).
        syntax: ``xml`` or ``json``.
        generation: The request number, echoed in the result.
        signals: Where to report; created on the GUI thread.
    """

    def __init__(self, document: Document, syntax: str, generation: int, signals: TaskSignals) -> None:
        super().__init__()
        self.document = document
        self.syntax = syntax
        self.generation = generation
        self.signals = signals

    def run(self) -> None:
        """Render and align (called on a pool thread)."""
        try:
            with quiet_collector():  # the rendering read back is a second tree as large
                data = render(self.document, self.syntax)
                twin = read_bytes(data, syntax=self.syntax)
                forward: dict[int, Node] = {}
                backward: dict[int, Node] = {}
                for original, rendered in align_pairs(self.document.root, twin.root):
                    forward[id(original)] = rendered
                    backward[id(rendered)] = original
                for originals, renders in ((self.document.prolog, twin.prolog), (self.document.epilog, twin.epilog)):
                    for original, rendered in zip(originals, renders, strict=False):
                        forward[id(original)] = rendered
                        backward[id(rendered)] = original
                warm(twin)
                text = normalise_newlines(twin.text or "")
        except WorkbenchError as exc:
            name = Path(self.document.path).name if self.document.path else "the message"
            message = f"{name} cannot be shown as {self.syntax.upper()}: {exc}"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.document.path, message, self.syntax))
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("rendering as %s failed", self.syntax)
            message = f"Could not render as {self.syntax.upper()} ({type(exc).__name__}: {exc})"
            self.signals.sig_task_failed.emit(TaskFailure(self.generation, self.document.path, message, self.syntax))
            return
        self.signals.sig_result_ready.emit(RenderResult(self.generation, self.syntax, text, twin, forward, backward))
