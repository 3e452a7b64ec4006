"""Steps of showing something large run one per turn of the event loop, and stop when unwanted."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.gui.tasks import in_turns


def test_steps_run_one_per_turn_in_order(qtbot) -> None:
    ran: list[int] = []
    in_turns([lambda: ran.append(1), lambda: ran.append(2), lambda: ran.append(3)], lambda: True)
    assert ran == []  # nothing before the event loop turns
    qtbot.waitUntil(lambda: len(ran) == 3, timeout=2000)
    assert ran == [1, 2, 3]


def test_steps_stop_once_no_longer_wanted(qtbot) -> None:
    ran: list[int] = []
    wanted = [True]

    def first() -> None:
        ran.append(1)
        wanted[0] = False  # say, another comparison started

    in_turns([first, lambda: ran.append(2)], lambda: wanted[0])
    qtbot.waitUntil(lambda: ran == [1], timeout=2000)
    qtbot.wait(30)
    QCoreApplication.processEvents()
    assert ran == [1]
