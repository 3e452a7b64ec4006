"""Workers defer to a busy window at the core's pause points, and never for long."""

from __future__ import annotations

import threading
import time

from workbench.core import pacing as core_pacing
from workbench.gui import pacing
from workbench.gui.context import AppContext


def _ticking_gate(qtbot) -> pacing.WindowFirst:
    """The installed gate, with its timer ticking (a worker has just reached a pause point)."""
    AppContext()
    gate = pacing.install()
    worker = threading.Thread(target=core_pacing.pause_point)
    worker.start()
    worker.join()
    qtbot.waitUntil(gate.is_ticking, timeout=5000)
    qtbot.wait(3 * pacing.TICK_MS)
    return gate


def test_the_application_installs_one_gate_for_the_core_pause_points(qtbot) -> None:
    AppContext()
    AppContext()
    gate = pacing.install()
    assert pacing.install() is gate
    assert core_pacing.current_gate() is gate


def test_a_worker_waits_while_the_window_is_busy(qtbot) -> None:
    gate = _ticking_gate(qtbot)
    before = gate.deferrals
    stop = threading.Event()
    passed = [0]

    def work() -> None:  # a millisecond of work between pause points
        while not stop.is_set():
            core_pacing.pause_point()
            passed[0] += 1
            time.sleep(0.001)

    worker = threading.Thread(target=work)
    worker.start()
    qtbot.wait(50)
    start = passed[0]
    time.sleep(0.3)  # the GUI thread is busy: no tick; the worker defers after STALE, up to MAX_DEFER
    during = passed[0] - start
    qtbot.wait(100)  # free again: it ticks, and the worker goes on
    after = passed[0] - start - during
    stop.set()
    worker.join(10)
    assert not worker.is_alive()
    assert gate.deferrals > before
    # Without deferring, about 300 pause points in the 0.3 s; deferring, none for MAX_DEFER of them.
    assert during < 300 * (1 - pacing.MAX_DEFER / 0.3 / 2)
    assert after > 0


def test_a_gui_thread_that_waits_for_a_worker_is_not_waited_for_long(qtbot) -> None:
    gate = _ticking_gate(qtbot)

    # The GUI thread blocks on the worker (as closing waits for the pool): 1,000 pause points a
    # millisecond apart would take 100 s at a full wait each; the waits stop once the window has
    # been busy for STALE + MAX_DEFER.
    def work() -> None:
        for _ in range(1000):
            core_pacing.pause_point()
            time.sleep(0.001)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(20)
    assert not worker.is_alive()
    assert gate.is_ticking()


def test_the_gui_thread_itself_never_waits_at_a_pause_point(qtbot) -> None:
    gate = _ticking_gate(qtbot)
    before = gate.deferrals
    time.sleep(0.05)  # stale
    for _ in range(100):
        core_pacing.pause_point()
    assert gate.deferrals == before


def test_the_ticking_stops_once_no_worker_is_at_work(qtbot) -> None:
    gate = _ticking_gate(qtbot)
    qtbot.waitUntil(lambda: not gate.is_ticking(), timeout=int(pacing.QUIET * 1000) + 3000)
