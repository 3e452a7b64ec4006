"""How long the Compare window's event loop stalls while it compares two large messages.

Generates an ITK3-like message of about 5 MB (8,000 entries, XML; ``--entries`` changes it) and a
copy of it with every resource id and fullUrl renamed (a resend), compares them in a Compare
window (reading and comparing run in the thread pool) with "Ignore what changes on every send"
off and then on, and keeps a 5 ms timer ticking on the GUI thread: the gap between two ticks is
how long the GUI thread was busy (laying out the two trees, the table, opening the rows of the
first differences). Prints the longest stall and the total time of each comparison, and, as the
floor, how long the core alone takes to read and compare the same bytes (no window). No asserts.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/compare_stall.py [--entries 8000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ITK_WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="itk-compare-")

from generate import message_xml
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from workbench.core.codecs import read_bytes
from workbench.core.toolkit.diff import diff_documents
from workbench.gui.context import AppContext
from workbench.gui.toolkit.compare.window import CompareWindow
from workbench.gui.toolkit.compare.work import CompareSource

TICK_MS = 5


def renamed(data: bytes) -> bytes:
    """The message with each UUID-shaped id replaced by another, consistently (a resend)."""
    text = data.decode()
    found = dict.fromkeys(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    for number, old in enumerate(found):
        text = text.replace(old, f"{number:08x}-0000-4000-8000-{number:012x}")
    return text.encode()


def measure(app: QApplication, window: CompareWindow, start: object) -> tuple[float, float, float, int]:
    """Run one comparison.

    Returns:
        The longest stall (ms), the GUI thread's CPU time within it (ms: the rest it waited), the
        total time (s) and the number of differences.
    """
    stamps: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: stamps.append((time.perf_counter(), time.thread_time())))
    loop = QEventLoop()
    window.sig_compared.connect(loop.quit)
    window.sig_compare_failed.connect(loop.quit)
    begun = time.perf_counter()
    stamps.append((begun, time.thread_time()))
    timer.start()
    start()  # type: ignore[operator]
    loop.exec()
    done = time.perf_counter()
    QTimer.singleShot(300, loop.quit)  # what the views do after the result is shown
    loop.exec()
    timer.stop()
    window.sig_compared.disconnect(loop.quit)
    window.sig_compare_failed.disconnect(loop.quit)
    stamps.append((time.perf_counter(), time.thread_time()))
    longest, computing = max(((b[0] - a[0]) * 1000, (b[1] - a[1]) * 1000) for a, b in itertools.pairwise(stamps))
    compared = window.compared()
    return longest, computing, done - begun, len(compared.result.differences) if compared is not None else -1


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=8000, help="entries of the generated message")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="itk-compare-msg-"))
    first, again = folder / "first.xml", folder / "again.xml"
    first.write_bytes(message_xml(args.entries))
    again.write_bytes(renamed(first.read_bytes()))
    print(f"{first.name}: {first.stat().st_size / 1e6:.1f} MB, {args.entries} entries; timer every {TICK_MS} ms")
    started = time.perf_counter()
    a, b = read_bytes(first.read_bytes()), read_bytes(again.read_bytes())
    plain = diff_documents(a, b)
    volatile = diff_documents(a, b, ignore_volatile=True)
    floor = time.perf_counter() - started
    print(
        f"floor: the core reads both and compares them twice in {floor:.2f} s "
        f"({len(plain.differences)} differences, {len(volatile.differences)} ignoring what changes on every send)"
    )
    window = CompareWindow(AppContext())
    window.set_ignore_volatile(False)
    window.resize(1400, 900)
    window.show()
    stall, busy, total, count = measure(
        app, window, lambda: window.compare(CompareSource.file(str(first)), CompareSource.file(str(again)))
    )
    print(f"compare: {count} differences in {total:.2f} s; longest stall {stall:.0f} ms ({busy:.0f} computing)")
    stall, busy, total, count = measure(app, window, lambda: window.set_ignore_volatile(True))
    print(
        f"ignoring what changes on every send: {count} differences in {total:.2f} s; "
        f"longest stall {stall:.0f} ms ({busy:.0f} computing)"
    )
    window.close()


if __name__ == "__main__":
    main()
