"""The Messages view over a store of 100,000 messages: how long a listing takes, and the GUI thread's stalls.

Fills a store with synthetic messages (as ``benchmarks/mesh.py`` does, 1,000 per transaction),
opens the main window with the Messages view shown, and times, in the window, from a change of
the filters until the table shows the new listing (every matching id, and the first page of
rows): every message; one direction; one event; a word many messages share; an NHS number;
then a click on a column's header (the whole store sorted by what a row is, by when, by NHS
number); then scrolling to the end until the last page is shown. A 5 ms timer ticks on the GUI
thread meanwhile: the longest gap between two ticks is the longest stall the user would feel.

The floor is the same ids read by plain SQLite (``SELECT id ... ORDER BY ...``, the same WHERE
and ORDER BY) on a connection of its own. Prints figures and ratios; nothing here asserts.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/messages_view.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOME = tempfile.mkdtemp(prefix="itk-messages-bench-")
os.environ["ITK_WORKBENCH_HOME"] = HOME
os.environ["XDG_DATA_HOME"] = str(Path(HOME) / "data")
os.environ["XDG_CONFIG_HOME"] = str(Path(HOME) / "config")

from mesh import WORDS, synthetic  # noqa: E402 - the same synthetic messages as the store figures there
from PySide6.QtCore import QDate, QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.core.store import MessageStore, default_store_path  # noqa: E402


class Stalls:
    """The longest gap between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0
        self.longest = 0

    def start(self) -> None:
        self.clock.start()
        self.last = 0
        self.longest = 0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def stop(self) -> int:
        self.timer.stop()
        return self.longest


def fill(count: int) -> None:
    rng = random.Random(20241124)
    with MessageStore(default_store_path()) as store:
        for first in range(0, count, 1000):
            store.add_many([synthetic(n, rng) for n in range(first, min(count, first + 1000))])


def floor_seconds(where: str, params: tuple[str, ...], order: str = "id DESC") -> float:
    """The same ids by plain SQLite (the WHERE and ORDER BY the store builds for the listing)."""
    database = sqlite3.connect(default_store_path())
    began = time.perf_counter()
    database.execute(f"SELECT id FROM messages WHERE {where} ORDER BY {order}", params).fetchall()
    seconds = time.perf_counter() - began
    database.close()
    return seconds


def until(app: QApplication, done: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    loop = QEventLoop()
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    began = time.perf_counter()
    fill(args.messages)
    print(f"store: {args.messages:,} messages made in {time.perf_counter() - began:.1f} s")
    app = QApplication([sys.argv[0]])
    from workbench.gui.context import AppContext
    from workbench.gui.main_window import MainWindow

    window = MainWindow(AppContext())
    window.resize(1400, 900)
    window.show()
    view = window.mesh.view
    window.mesh.show_messages()
    until(app, lambda: view.model.rowCount() == args.messages)
    with MessageStore(default_store_path()) as store:
        nhs = store.rows([store.ids()[len(store.ids()) // 2]])[0].nhs_number or ""
    filters = view.filters
    today = QDate.currentDate().toString("yyyy-MM-dd")
    words = "id IN (SELECT rowid FROM search WHERE search MATCH ?)"
    steps = (  # what the user does, and the WHERE of the floor
        ("every message", filters.clear, "1", ()),
        ("received only", lambda: filters.direction.setCurrentIndex(2), "direction = 'in'", ()),
        (
            "one event",
            lambda: filters.event_box.setCurrentIndex(filters.event_box.findData("ITK003D")),
            "event = 'ITK003D'",
            (),
        ),
        ("a word many share", lambda: filters.set_search(WORDS[0]), words, (f'"{WORDS[0]}"*',)),
        ("an NHS number", lambda: filters.set_search(nhs), words, (f'"{nhs}"*',)),
        ("a day", lambda: filters.since.setDate(QDate.currentDate()), "created_at >= ?", (today,)),
    )
    listed: list[object] = []  # listings shown since it was last emptied
    view.sig_listed.connect(listed.append)
    stalls = Stalls()
    print(f"{'listing':<22}{'rows':>9}{'shown in (median)':>20}{'floor':>10}{'ratio':>8}{'longest stall':>16}")
    for label, change, where, params in steps:
        times, worst = [], 0
        rows = 0
        for _run in range(args.runs):
            listed.clear()
            filters.clear()
            until(app, lambda: listed and view.model.rowCount() == args.messages)  # nothing in flight
            listed.clear()
            stalls.start()
            started = time.perf_counter()
            change()
            until(app, lambda: listed and view.model.stored(0) is not None)
            times.append(time.perf_counter() - started)
            worst = max(worst, stalls.stop())
            rows = view.model.rowCount()
        floor = floor_seconds(where, params)
        median = statistics.median(times)
        print(
            f"{label:<22}{rows:>9,}{median * 1000:>17.0f} ms{floor * 1000:>7.0f} ms"
            f"{median / max(floor, 1e-6):>7.1f}x{worst:>13} ms"
        )
    from PySide6.QtCore import Qt

    from workbench.core.store import ORDERS, Query
    from workbench.core.store.database import order_by
    from workbench.gui.messages.model import NHS_NUMBER, WHAT, WHEN

    filters.clear()
    until(app, lambda: view.model.rowCount() == args.messages)
    stalls.start()
    started = time.perf_counter()
    view.table.scrollToBottom()
    until(app, lambda: view.model.stored(args.messages - 1) is not None)
    print(
        f"scroll to the end: the last page shown in {(time.perf_counter() - started) * 1000:.0f} ms "
        f"(longest stall {stalls.stop()} ms)"
    )
    view.table.scrollToTop()
    for column in (WHAT, WHEN, NHS_NUMBER):
        times, worst = [], 0
        for _run in range(args.runs):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                listed.clear()
                stalls.start()
                started = time.perf_counter()
                view.sort_by(column, order)
                until(app, lambda: listed and view.model.stored(0) is not None)
                times.append(time.perf_counter() - started)
                worst = max(worst, stalls.stop())
        floor = floor_seconds("1", (), order_by(Query(order=ORDERS[column], ascending=True)))
        median = statistics.median(times)
        print(
            f"{'sorted by ' + ORDERS[column]:<22}{args.messages:>9,}{median * 1000:>17.0f} ms{floor * 1000:>7.0f} ms"
            f"{median / max(floor, 1e-6):>7.1f}x{worst:>13} ms"
        )
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
