"""Huge and hostile input: peak memory per input size, and the time to report 20,000 findings.

Memory. For a message whose bulk is one value, of 10, 25 and 50 MB each:

* JSON with a 50 MB string value (``Basic.code.text``), and
* XML with a 50 MB base64 ``Binary.content``,

it prints the peak resident memory a fresh process adds to read and validate the file in every
layer (the peak, ``VmHWM``, reset through ``/proc/self/clear_refs`` after the imports and a warm-up
run, less the resident size then), as a multiple of
the file size (the target: under 20x for any input) and of the floor, which is the same
measure for ``json.loads`` or ``lxml.etree.fromstring`` (huge_tree) of the same bytes.

Time. For 20,000 unresolved references on one line (a collection Bundle whose List points at
nothing, XML and JSON), it prints the time to read and validate in every layer, the findings
reported, and the ratio to the floor of ``lxml.etree.fromstring`` + STU3 XSD validation (XML, when
../shared is present) or ``json.loads`` (JSON). Before the fix these took 64-116 s.

Nothing here asserts: it prints figures.

    .venv/bin/python benchmarks/hostile.py [--sizes 10,25,50] [--findings 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import big_message, unresolved_references

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
XSD = SHARED / "fhir-stu3" / "xsd" / "fhir-single.xsd"
MB = 1024 * 1024

_MEASURE = """
import sys
sys.path.insert(0, {root!r})
def resident(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field + ":"))
kind, path = {kind!r}, {path!r}
if kind == "workbench":
    from workbench.core.validation.runner import Validator
    validator = Validator()
    validator.validate_bytes(b'{{"resourceType":"Basic","id":"warm"}}')
elif kind == "json":
    import json
else:
    from lxml import etree
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak resident size starts again from here
before = resident("VmRSS")
data = open(path, "rb").read()
if kind == "workbench":
    report = validator.validate_bytes(data, path)
    assert report.readable, report.issues[0].message
elif kind == "json":
    json.loads(data)
else:
    etree.fromstring(data, etree.XMLParser(huge_tree=True))
print(resident("VmHWM") - before)
"""


def peak(kind: str, path: Path) -> int:
    """Bytes of resident memory a fresh process adds to read (and, for the workbench, validate) a file."""
    code = _MEASURE.format(root=str(ROOT), kind=kind, path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def memory(sizes: list[int], folder: Path) -> None:
    print("Peak memory to read and validate (resident, above the process after its imports)")
    print(f"  {'input':<34}{'file':>8}{'workbench':>12}{'x file':>9}{'floor':>10}{'x floor':>9}")
    for syntax, what, floor_kind in (("json", "JSON string value", "json"), ("xml", "XML base64 Binary", "lxml")):
        for size in sizes:
            data = big_message("json-string" if syntax == "json" else "xml-binary", size * MB)
            path = folder / f"big-{size}.{syntax}"
            path.write_bytes(data)
            ours, floor = peak("workbench", path), peak("json" if floor_kind == "json" else "xml", path)
            label = f"{what} ({floor_kind} floor)"
            print(
                f"  {label:<34}{len(data) / MB:>6.0f}MB{ours / MB:>10.0f}MB{ours / len(data):>8.1f}x"
                f"{floor / MB:>8.0f}MB{ours / max(floor, 1):>8.1f}x"
            )
            path.unlink()


def findings(count: int) -> None:
    from lxml import etree

    from workbench.core.codecs import read_bytes
    from workbench.core.validation.runner import Validator

    validator = Validator()
    validator.validate_bytes(b'{"resourceType":"Basic","id":"warm"}')
    schema = etree.XMLSchema(etree.parse(str(XSD))) if XSD.exists() else None
    print(f"\nValidation time with {count:,} findings on one line (read + all layers)")
    for syntax in ("xml", "json"):
        data = unresolved_references(count, syntax)
        start = time.perf_counter()
        report = validator.validate(read_bytes(data))
        seconds = time.perf_counter() - start
        found = sum(1 for i in report.issues if i.rule == "bundle-ref-unresolved")
        start = time.perf_counter()
        if syntax == "xml" and schema is not None:
            schema.validate(etree.fromstring(data))
            floor_name = "lxml parse + XSD"
        elif syntax == "xml":
            etree.fromstring(data)
            floor_name = "lxml parse"
        else:
            json.loads(data)
            floor_name = "json.loads"
        floor = time.perf_counter() - start
        print(
            f"  {syntax.upper():<5} {len(data) / MB:5.1f} MB  {found:,} findings  {seconds:6.2f} s   "
            f"floor ({floor_name}) {floor * 1e3:6.1f} ms   ratio {seconds / floor:5.0f}x   "
            f"{seconds / max(found, 1) * 1e6:5.0f} µs a finding"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,25,50", help="value sizes in MB (default 10,25,50)")
    parser.add_argument("--findings", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        memory([int(s) for s in args.sizes.split(",")], Path(folder))
    findings(args.findings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
