"""Time the source view: showing, first paint and scrolling of coloured XML and JSON messages.

For generated, pretty-printed FHIR-like message Bundles of about 100 KB, 1 MB and 5 MB this
prints, as medians of a few runs:

* ``floor``: a bare ``QPlainTextEdit.setPlainText`` plus the first paint, no colouring;
* ``text``: ``SourceView.set_source(text, "text")`` plus the first paint (the view, uncoloured);
* ``first``: ``SourceView.set_source(text, language)`` plus the first paint, coloured: what the
  user sees first (a long text goes in a slice at a time; the first slice shows at once);
* ``show``: the same until the whole text is in (the slices put in, one per turn of the event
  loop) plus a paint;
* ``slice``: the longest the GUI thread was held by one slice (what the user could feel);
* ``end``: scrolling from the top to the last page and painting it (the lazy state scans and
  the line index run to the end once here);
* ``page``: median and maximum of 30 page-up steps from the end, each with a paint;
* ``ratio``: ``show / floor``.

Usage: ``QT_QPA_PLATFORM=offscreen python benchmarks/highlight.py [--runs N]``. No asserts.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from workbench.gui.inspector.source_view import SourceView

SIZES = {"100 KB": 100_000, "1 MB": 1_000_000, "5 MB": 5_000_000}


def make_xml(size: int) -> str:
    """Return a pretty-printed FHIR-like XML message Bundle of about ``size`` characters."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Bundle xmlns="http://hl7.org/fhir">\n\t<type value="message"/>\n'
    ]
    total, index = len(parts[0]), 0
    while total < size:
        entry = (
            f'\t<entry>\n\t\t<fullUrl value="urn:uuid:00000000-0000-0000-0000-{index:012d}"/>\n\t\t<resource>\n'
            f'\t\t\t<Observation>\n\t\t\t\t<id value="obs-{index}"/>\n'
            f"\t\t\t\t<!-- observation {index}: a comment\n\t\t\t\t     over two lines -->\n"
            f'\t\t\t\t<text>\n\t\t\t\t\t<status value="generated"/>\n'
            f'\t\t\t\t\t<div xmlns="http://www.w3.org/1999/xhtml">\n'
            f"\t\t\t\t\t\t<p>Heart rate <b>{60 + index % 40}</b> bpm &amp; regular</p>\n\t\t\t\t\t</div>\n"
            f'\t\t\t\t</text>\n\t\t\t\t<status value="final"/>\n\t\t\t\t<code>\n\t\t\t\t\t<coding>\n'
            f'\t\t\t\t\t\t<system value="http://snomed.info/sct"/>\n\t\t\t\t\t\t<code value="364075005"/>\n'
            f'\t\t\t\t\t\t<display value="Heart rate"/>\n\t\t\t\t\t</coding>\n\t\t\t\t</code>\n'
            f'\t\t\t\t<valueQuantity>\n\t\t\t\t\t<value value="{60 + index % 40}.5"/>\n'
            f'\t\t\t\t\t<unit value="beats/minute"/>\n\t\t\t\t</valueQuantity>\n'
            f"\t\t\t</Observation>\n\t\t</resource>\n\t</entry>\n"
        )
        parts.append(entry)
        total += len(entry)
        index += 1
    parts.append("</Bundle>\n")
    return "".join(parts)


def make_json(size: int) -> str:
    """Return a pretty-printed FHIR-like JSON message Bundle of about ``size`` characters."""
    entries = []
    total, index = 0, 0
    while total < size:
        entry = {
            "fullUrl": f"urn:uuid:00000000-0000-0000-0000-{index:012d}",
            "resource": {
                "resourceType": "Observation",
                "id": f"obs-{index}",
                "text": {
                    "status": "generated",
                    "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>Heart rate {60 + index % 40}</p></div>',
                },
                "status": "final",
                "code": {
                    "coding": [{"system": "http://snomed.info/sct", "code": "364075005", "display": "Heart rate"}]
                },
                "valueQuantity": {"value": 60.5 + index % 40, "unit": "beats/minute"},
                "issued": None,
                "focal": True,
            },
        }
        entries.append(entry)
        total += len(json.dumps(entry, indent=2)) + 4 * 14
        index += 1
    return json.dumps({"resourceType": "Bundle", "type": "message", "entry": entries}, indent=2)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def new_widget(widget: QPlainTextEdit) -> QPlainTextEdit:
    widget.resize(1000, 700)
    widget.show()
    QApplication.processEvents()
    return widget


def dispose(app: QApplication, widget: QPlainTextEdit) -> None:
    widget.close()
    widget.deleteLater()
    app.processEvents()
    gc.collect()


def floor_run(app: QApplication, text: str) -> float:
    widget = QPlainTextEdit()
    widget.setReadOnly(True)
    widget.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    new_widget(widget)
    seconds = timed(lambda: (widget.setPlainText(text), widget.grab()))
    dispose(app, widget)
    return seconds


def fill(app: QApplication, view: SourceView, text: str, language: str) -> tuple[float, float]:
    """Show a text and let its slices in; return (seconds until all is in and painted, longest slice)."""
    slices: list[float] = []
    original = view._fill_next

    def timed_slice() -> None:
        slices.append(timed(original))

    view._fill_next = timed_slice  # type: ignore[method-assign]
    view._fill_timer.timeout.disconnect()
    view._fill_timer.timeout.connect(timed_slice)
    start = time.perf_counter()
    view.set_source(text, language)
    while view.is_filling():
        app.processEvents()
    view.grab()
    return time.perf_counter() - start, max(slices, default=0.0)


def view_run(app: QApplication, text: str, language: str) -> dict[str, float | list[float]]:
    view = SourceView()
    new_widget(view)
    first = timed(lambda: (view.set_source(text, language), view.grab()))
    dispose(app, view)
    view = SourceView()
    new_widget(view)
    show, longest_slice = fill(app, view, text, language)
    bar = view.verticalScrollBar()
    end = timed(lambda: (bar.setValue(bar.maximum()), view.grab()))
    pages = [timed(lambda: (bar.setValue(bar.value() - bar.pageStep()), view.grab())) for _ in range(30)]
    dispose(app, view)
    return {"first": first, "show": show, "slice": longest_slice, "end": end, "pages": pages}


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median is shown)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    warm = SourceView()  # first-use costs (fonts, enum wrappers) are not part of any row
    warm.set_source(make_xml(10_000), "xml")
    warm.grab()
    dispose(app, warm)

    print(f"Python {sys.version.split()[0]}, PySide6 {__import__('PySide6').__version__}, runs={args.runs}")
    print(
        f"{'case':<12} {'floor':>8} {'text':>8} {'first':>8} {'show':>8} {'slice':>8} {'ratio':>6}"
        f" {'end':>8} {'page med':>9} {'page max':>9}"
    )
    for language, make in (("xml", make_xml), ("json", make_json)):
        for label, size in SIZES.items():
            text = make(size)
            floors = [floor_run(app, text) for _ in range(args.runs)]
            plain = [view_run(app, text, "text")["show"] for _ in range(args.runs)]
            runs = [view_run(app, text, language) for _ in range(args.runs)]
            floor = statistics.median(floors)
            first = statistics.median(run["first"] for run in runs)  # type: ignore[misc]
            show = statistics.median(run["show"] for run in runs)  # type: ignore[misc]
            longest = max(run["slice"] for run in runs)  # type: ignore[type-var]
            end = statistics.median(run["end"] for run in runs)  # type: ignore[misc]
            pages = [page for run in runs for page in run["pages"]]  # type: ignore[union-attr]
            print(
                f"{language + ' ' + label:<12} {floor * 1000:7.0f}ms {statistics.median(plain) * 1000:7.0f}ms"
                f" {first * 1000:7.0f}ms {show * 1000:7.0f}ms {longest * 1000:7.0f}ms {show / floor:6.2f}"
                f" {end * 1000:7.1f}ms"
                f" {statistics.median(pages) * 1000:8.1f}ms {max(pages) * 1000:8.1f}ms"
                f"   ({len(text) / 1e6:.2f} MB, {text.count(chr(10)) + 1} lines)"
            )


if __name__ == "__main__":
    main()
