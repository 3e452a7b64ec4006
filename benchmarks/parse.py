"""Read and write speed and peak memory of the element tree, against the lxml / json floor.

For generated ITK3-like message Bundles of 1, 100, 1000 and 5000 entries, in XML and JSON,
prints the median time to read the bytes into the tree and to write the tree back in the same
syntax, the same for the floor (``lxml.etree.fromstring`` + ``tostring``; ``json.loads`` +
``json.dumps(indent=2)``), their ratio, and the peak memory of reading the file in a fresh
process (tracemalloc: both readers build the tree straight from the parser's events, so Python
allocations are the whole of it), as a multiple of the file size.

Targets (issue 2): read+write within 5x the floor; 5000 entries read in under 0.5 s; peak
memory under 10x the file size. Nothing here asserts: it prints figures.

    .venv/bin/python benchmarks/parse.py [--sizes 1,100,1000,5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import message_json, message_xml
from lxml import etree

from workbench.core.codecs import read_json, read_xml, write_json, write_xml

_PEAK = """
import gc, sys, tracemalloc
sys.path.insert(0, {root!r})
from workbench.core import stu3
from workbench.core.codecs import read_json
from workbench.core.codecs import read_xml
stu3._index()
data = open({path!r}, 'rb').read()
gc.collect()
tracemalloc.start()
document = (read_xml if {syntax!r} == 'xml' else read_json)(data)
print(tracemalloc.get_traced_memory()[1])
"""


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(path: Path, syntax: str) -> int:
    root = str(Path(__file__).resolve().parent.parent)
    code = _PEAK.format(root=root, path=str(path), syntax=syntax)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def _measure(data: bytes, syntax: str, repeat: int) -> tuple[float, float, float]:
    """Median (read, write, floor) seconds for one document in one syntax."""
    if syntax == "xml":
        document = read_xml(data)
        parsed = etree.fromstring(data)
        read = _median(lambda: read_xml(data), repeat)
        write = _median(lambda: write_xml(document), repeat)
        floor = _median(lambda: etree.fromstring(data), repeat) + _median(lambda: etree.tostring(parsed), repeat)
    else:
        document = read_json(data)
        loaded = json.loads(data)
        read = _median(lambda: read_json(data), repeat)
        write = _median(lambda: write_json(document), repeat)
        floor = _median(lambda: json.loads(data), repeat) + _median(lambda: json.dumps(loaded, indent=2), repeat)
    return read, write, floor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    header = f"{'entries':>7} {'fmt':>4} {'size':>8} {'read ms':>8} {'write ms':>8} {'floor ms':>8} {'ratio':>6} {'peak MB':>8} {'peak/size':>9}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for syntax in ("xml", "json"):
                data = message_xml(n) if syntax == "xml" else message_json(n)
                path = Path(tmp) / f"m{n}.{syntax}"
                path.write_bytes(data)
                read, write, floor = _measure(data, syntax, args.repeat)
                peak = _peak(path, syntax)
                print(
                    f"{n:>7} {syntax:>4} {len(data) / 1e6:>7.2f}M {read * 1e3:>8.1f} {write * 1e3:>8.1f} "
                    f"{floor * 1e3:>8.1f} {(read + write) / floor:>5.1f}x {peak / 2**20:>8.1f} {peak / len(data):>8.1f}x"
                )
    print(
        "\nratio = (read + write) / (lxml or json parse + serialise); targets: ratio <= 5x,"
        " 5000-entry read < 500 ms, peak < 10x file size"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
