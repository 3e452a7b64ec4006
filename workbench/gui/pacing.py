"""The window goes first: workers wait at their pause points while the GUI thread is busy.

Every call from Qt into Python (a slot, an item model's ``index()`` or ``data()``, a virtual a
Python class overrides) takes the interpreter lock. While a worker runs Python, the worker has
the lock, and the GUI thread waits for it on each such call: laying out the 8,000 rows of a
5 MB message took a second that way, of which the GUI thread computed a tenth. A smaller
switch interval only shortens each wait; there are thousands.

So the GUI thread shows that it is free: while workers are at work, a precise timer on it ticks
every :data:`TICK_MS`. A worker that reaches a pause point of the core
(:func:`workbench.core.pacing.pause_point`: once a resource validated, once a slice read) and
finds the last tick older than :data:`STALE` knows the GUI thread is busy with something else
(a layout, a paint, a slot) and waits, without the lock, for its next tick. The waits are bounded
(:data:`MAX_DEFER` after the tick went stale): a GUI thread busy longer is computing, or waiting
for the very worker (closing waits for the pool), and the workers go on until it ticks again.
Qt's dispatcher signals (``awake``, ``aboutToBlock``) cannot tell this: the glib dispatcher
emits both before it dispatches the events it then waits for.

The timer runs only while pause points are being reached: the first pause point after a quiet
spell asks for it (a queued signal), and it stops itself after :data:`QUIET` without any.
"""

from __future__ import annotations

import functools
import threading
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from workbench.core import pacing

#: Milliseconds between the GUI thread's ticks while workers are at work.
TICK_MS = 10
#: Seconds without a tick after which the GUI thread counts as busy.
STALE = 0.025
#: Seconds workers defer to a busy window at most, from when its tick went stale.
MAX_DEFER = 0.1
#: Seconds without a pause point after which the ticking stops.
QUIET = 1.0


class WindowFirst(QObject):
    """The gate installed into the core's pause points (see the module's notes); lives on the GUI thread.

    Signals:
        sig_ticking_wanted(): A worker reached a pause point while the timer was stopped.
    """

    sig_ticking_wanted = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ticked = threading.Event()
        self._last_tick = time.monotonic()
        self._last_pause = 0.0
        self._ticking = False
        #: How often a worker has waited for the window (for tests and benchmarks).
        self.deferrals = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.sig_ticking_wanted.connect(self._start_ticking, Qt.ConnectionType.QueuedConnection)

    def is_ticking(self) -> bool:
        """Return whether the GUI thread is ticking (workers were at work lately)."""
        return self._ticking

    def _start_ticking(self) -> None:
        self._tick()
        if not self._timer.isActive():
            self._timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self._last_tick = now
        self._ticked.set()
        if now - self._last_pause > QUIET:
            self._timer.stop()
            self._ticking = False

    def __call__(self) -> None:
        """A worker's pause point: wait while the window is busy (never on the GUI thread)."""
        if threading.current_thread() is threading.main_thread():
            return
        now = time.monotonic()
        self._last_pause = now
        if not self._ticking:
            self._ticking = True
            self._last_tick = now
            self.sig_ticking_wanted.emit()
            return
        busy_for = now - self._last_tick
        if STALE < busy_for < STALE + MAX_DEFER:
            self.deferrals += 1
            self._ticked.clear()
            self._ticked.wait(STALE + MAX_DEFER - busy_for)


@functools.cache
def install() -> WindowFirst:
    """Make workers defer to the GUI thread (once per process; call it on the GUI thread)."""
    gate = WindowFirst()
    pacing.set_gate(gate)
    return gate
