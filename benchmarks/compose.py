"""Composing speed: a new message, a real document attached, a 4 MB PDF attached, negative tests.

Prints, warm (median of several runs):

* the new-message skeleton (built, written and read back in its syntax);
* attaching a real ~100 KB FHIR document (read from its file, attached as one undoable edit,
  the message written as XML), against the floor of ``lxml.etree.fromstring`` + ``tostring``
  of the same output bytes (what any tool pays to read and write them);
* attaching a 4 MB PDF (base64, a Binary in the document, the size estimate) and writing the
  message, against the floor of ``base64.b64encode`` + writing the same bytes with lxml;
* one negative test (``break``: the copy made and checked by running the receiver), against
  the floor of one receiver decision on the original (what checking costs at the least).

Nothing here asserts.

    .venv/bin/python benchmarks/compose.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

from workbench.core.acks.receiver import ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_file, render
from workbench.core.compose.negative import make_negative, negative_codes
from workbench.core.compose.payload import attach_file, attach_payload
from workbench.core.compose.skeleton import MessageSpec, Party, new_message
from workbench.core.edits import EditableDocument
from workbench.core.validation.runner import Validator

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
DOCUMENT = SHARED / "itk3" / "examples" / "STU3-FHIR-Assets" / "Examples" / "ITK-EDIS-Example-1.xml"


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _skeleton() -> object:
    return new_message(
        MessageSpec("ITK003D", receiver=Party("ods", "RCV01")), clock=VirtualClock(), ids=SequentialIds()
    )


def _with_document() -> bytes:
    document = _skeleton().document  # type: ignore[attr-defined]
    EditableDocument(document).apply(attach_payload(document, read_file(DOCUMENT)).edit)
    return render(document, "xml")


def _with_pdf(pdf: bytes) -> bytes:
    document = _skeleton().document  # type: ignore[attr-defined]
    editable = EditableDocument(document)
    editable.apply(attach_payload(document, read_file(DOCUMENT)).edit)
    editable.apply(attach_file(document, pdf, "letter.pdf").edit)
    return render(document, "xml")


def _line(label: str, seconds: float, floor: float | None = None, floor_label: str = "") -> None:
    ratio = f"   {floor_label} {floor * 1e3:8.1f} ms, ratio {seconds / floor:5.1f}x" if floor else ""
    print(f"  {label:<34}{seconds * 1e3:9.1f} ms{ratio}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not DOCUMENT.exists():
        print(f"the real document {DOCUMENT} is absent (../shared): nothing to measure")
        return 0
    repeat = args.repeat
    _skeleton()
    print(f"new message (ITK003D skeleton)    {_median(_skeleton, repeat) * 1e3:9.1f} ms")
    data = _with_document()
    print(f"\nattach {DOCUMENT.name} ({DOCUMENT.stat().st_size / 1024:.0f} KB), write XML ({len(data) / 1024:.0f} KB)")
    floor = _median(lambda: etree.tostring(etree.fromstring(data)), repeat)
    _line("new + attach + write", _median(_with_document, repeat), floor, "floor lxml parse + write")
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * (4 * 1024 * 4) + b"\n%%EOF\n"
    big = _with_pdf(pdf)
    print(f"\nattach a {len(pdf) / 2**20:.1f} MB PDF as well, write XML ({len(big) / 2**20:.1f} MB)")
    floor = _median(lambda: (base64.b64encode(pdf), etree.tostring(etree.fromstring(big))), repeat)
    _line("new + attach both + write", _median(lambda: _with_pdf(pdf), repeat), floor, "floor base64 + lxml")
    validator = Validator()
    settings = ReceiverSettings()
    clock = VirtualClock()
    decide(data, settings, ReceiverState(), clock=clock, ids=SequentialIds(), validator=validator)
    floor = _median(
        lambda: decide(data, settings, ReceiverState(), clock=clock, ids=SequentialIds(), validator=validator), repeat
    )
    codes = [c.code for c in negative_codes() if c.code != "20015"]
    each = [
        _median(lambda code=code: make_negative(data, code, clock=clock, validator=validator), max(1, repeat // 2))
        for code in codes
    ]
    print(f"\nnegative tests on that message ({len(codes)} codes, 20015 aside)")
    _line("one break, made and checked (median)", statistics.median(each), floor, "floor one receiver decision")
    big_break = _median(lambda: make_negative(data, "20015", clock=clock, validator=validator), 1)
    _line("20015 (a 5 MB copy, checked)", big_break)
    return 0


if __name__ == "__main__":
    sys.exit(main())
