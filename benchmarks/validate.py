"""Full validation speed, against the floor of lxml parsing plus STU3 XSD validation.

Prints, warm (median of several runs), the time to validate in every layer (syntax, structure,
bundle, profiles and terminology with the shipped ITK3 pack, ITK3 rules) for:

* a typical ITK3 message of about 100 KB (a real example from ../shared when present, else a
  generated one), and
* a generated message Bundle of 5000 entries,

and the ratio to ``lxml.etree.fromstring`` + ``XMLSchema.validate`` of the same bytes (the floor:
what a schema-only check costs). Also the time per layer. Targets (issue 3): typical message
under 100 ms; 5000 entries under 3 s. Nothing here asserts.

    .venv/bin/python benchmarks/validate.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import message_xml
from lxml import etree

from workbench.core.codecs import read_bytes
from workbench.core.validation.issue import LAYERS
from workbench.core.validation.runner import Validator

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TYPICAL = SHARED / "itk3" / "examples" / "FHIR_MESH" / "test_messages" / "ITK-EDIS-Example-1.xml"
XSD = SHARED / "fhir-stu3" / "xsd" / "fhir-single.xsd"


def _registry() -> object | None:
    try:
        from workbench.core.validation.profiles.registry import ProfileRegistry
    except ImportError:
        return None
    return ProfileRegistry.default()


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report(label: str, data: bytes, registry: object | None, schema: etree.XMLSchema | None, repeat: int) -> None:
    document = read_bytes(data)
    validator = Validator(registry)
    validator.validate(document)  # warm: caches, compiled profiles
    repeat = repeat if len(data) < 1_000_000 else max(1, repeat // 2)
    full = _median(lambda: validator.validate(document), repeat)
    read = _median(lambda: read_bytes(data), repeat)
    print(f"\n{label}: {len(data) / 1024:.0f} KB")
    print(f"  read into the tree        {read * 1e3:9.1f} ms")
    print(f"  validate, all layers      {full * 1e3:9.1f} ms")
    if schema is not None:
        floor = _median(lambda: schema.validate(etree.fromstring(data)), repeat)
        print(f"  floor: lxml parse + XSD   {floor * 1e3:9.1f} ms   ratio {full / floor:5.1f}x")
    for layer in LAYERS:
        only = Validator(registry, layers=(layer,))
        only.validate(document)
        seconds = _median(lambda only=only: only.validate(document), repeat)
        print(f"    {layer:<12}            {seconds * 1e3:9.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    registry = _registry()
    schema = etree.XMLSchema(etree.parse(str(XSD))) if XSD.exists() else None
    cases = []
    if TYPICAL.exists():
        cases.append((f"real example {TYPICAL.name}", TYPICAL.read_bytes()))
    else:
        cases.append(("generated typical message", message_xml(150)))
    cases.append((f"generated bundle of {args.entries} entries", message_xml(args.entries)))
    print(f"profiles loaded: {'yes' if registry is not None else 'no (profile engine absent)'}")
    for label, data in cases:
        _report(label, data, registry, schema, args.repeat)
    print("\ntargets: typical message < 100 ms; 5000 entries < 3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
