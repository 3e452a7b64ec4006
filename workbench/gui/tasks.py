"""What every task run off the GUI thread shares: its signal carrier, its failure record, warming.

Each task is a ``QRunnable`` run by the context's ``QThreadPool``. A task reports through its
own :class:`TaskSignals` object, created on the GUI thread, so its signals reach GUI slots as
queued calls. Results are small frozen dataclasses; the receiver compares their ``generation``
with the latest request and ignores results that are no longer wanted.

A carrier is parented to a long-lived object (the context's ``carriers``), not to the widget
that asked: a tab closed while its task runs is deleted at once, and the worker still has a
live object to report through. The carrier deletes itself once it has reported a result or a
failure, so nothing has to remember it.

Everything a task computes is finished before its result is sent (lazy caches of the
document, such as its source positions, are warmed in the worker), so the GUI thread never
shares a half-built object with a worker.

A message read or rendered is hundreds of thousands of young objects. The collector's next
passes, on whichever thread allocates next (the GUI thread as often as not), would walk them
all, holding the interpreter lock for a tenth of a second or more each time (measured: 0.1 s
for the first, 0.2 s for a full pass with a 5 MB message open; a pass in a worker holds the
GUI thread up just the same). So a task that builds one runs with the collector paused and
freezes what is alive at the end (:func:`quiet_collector`, ``gc.freeze``): the collector leaves
it be. Closing a tab gives it back and collects once (:func:`collect_frozen`), so what the tab
held is freed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.core import stu3
from workbench.core.spans import line_span
from workbench.core.tree import Document, gc_paused

#: Progress is reported in steps of at least this fraction.
PROGRESS_STEP = 0.01
#: Bytes from which a message counts as large (validation runs with the collector quiet).
LARGE_MESSAGE = 1_000_000
#: Quiet time after a tab or window closes before what it held is collected (one pass for a
#: burst of closes).
COLLECT_AFTER_CLOSE_MS = 1000


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """Why a task failed, in words for the user (never a traceback).

    Attributes:
        generation: The request number the failure answers.
        path: The file concerned, if any.
        message: What went wrong.
        task: What failed: ``load``, ``validate``, or the syntax of a render (``xml``, ``json``).
    """

    generation: int
    path: str | None
    message: str
    task: str = "load"


class TaskSignals(QObject):
    """Signals of one task; create it on the GUI thread (see :func:`carrier`).

    Signals:
        sig_progress_changed(int, float): The task with this generation is this far (0..1).
        sig_result_ready(object): The task finished; carries its result dataclass.
        sig_task_failed(object): The task failed; carries a :class:`TaskFailure`.
    """

    sig_progress_changed = Signal(int, float)
    sig_result_ready = Signal(object)
    sig_task_failed = Signal(object)


class ThrottledProgress:
    """Tells a task's progress through its signals in steps of :data:`PROGRESS_STEP` (and at the end).

    Args:
        signals: The task's carrier.
        generation: The request number progress is told for.
    """

    def __init__(self, signals: TaskSignals, generation: int) -> None:
        self.signals = signals
        self.generation = generation
        self._reported = -1.0

    def __call__(self, fraction: float) -> None:
        if fraction - self._reported >= PROGRESS_STEP or fraction >= 1.0 > self._reported:
            self._reported = fraction
            self.signals.sig_progress_changed.emit(self.generation, float(fraction))


def carrier(
    owner: QObject,
    result: Callable[[object], object],
    failed: Callable[[TaskFailure], object],
    progress: Callable[[int, float], object] | None = None,
) -> TaskSignals:
    """Make a task's signal carrier under a long-lived ``owner``, connected to its handlers.

    The carrier deletes itself once it has reported: its own ``deleteLater`` is connected after
    the handlers, so their queued calls run first.
    """
    signals = TaskSignals(owner)
    if progress is not None:
        signals.sig_progress_changed.connect(progress)
    signals.sig_result_ready.connect(result)
    signals.sig_task_failed.connect(failed)
    signals.sig_result_ready.connect(signals.deleteLater)
    signals.sig_task_failed.connect(signals.deleteLater)
    return signals


def warm(document: Document) -> None:
    """Build a document's lazy indexes (text, positions, line starts, STU3 types) now, in this thread."""
    _ = document.text
    document.node_at(1, 1)
    line_span(document, document.root)
    # The STU3 type index and definitions are read once, here rather than on the GUI thread.
    stu3.type_def(document.root.name)
    stu3.definition(document.root.name)


@contextmanager
def quiet_collector(enabled: bool = True) -> Iterator[None]:
    """Run a task's work with no collections, and keep what survives out of later ones.

    Inside, the collector is paused (:class:`~workbench.core.tree.gc_paused`); at the end what
    is alive is frozen (``gc.freeze``; see the module's notes), before the pause ends, so no
    pass ever walks the new objects. ``enabled`` False (a small message) leaves the collector be.
    """
    if not enabled:
        yield
        return
    with gc_paused():
        yield
        gc.freeze()


def collect_frozen(refreeze: bool = True) -> None:
    """Give the frozen objects back to the collector and collect once (a tab closed).

    With ``refreeze`` what is still alive is frozen again, so later passes stay short.
    """
    gc.unfreeze()
    if refreeze:
        gc.collect()
        gc.freeze()


def in_turns(steps: Sequence[Callable[[], object]], wanted: Callable[[], bool]) -> None:
    """Run ``steps`` one per turn of the event loop, the first at the next, while ``wanted()``.

    Each step of showing something large holds the GUI thread a while; run apart, the window
    keeps answering in between. A 1 ms timer, not a queued call: Qt runs queued calls with the
    other posted events, in one go.
    """
    pending = list(steps)

    def next_step() -> None:
        if pending and wanted():
            pending.pop(0)()
            if pending:
                QTimer.singleShot(1, next_step)

    QTimer.singleShot(1, next_step)
