"""Full validation speed, against the floor of lxml parsing plus STU3 XSD validation.

Prints, warm (median of several runs), the time to validate in every layer (syntax, structure,
bundle, profiles and terminology with the shipped ITK3 pack, ITK3 rules) for:

* a typical ITK3 message of about 100 KB (a real example from ../shared when present, else a
  generated one), and
* a generated message Bundle of 5000 entries,

and the ratio to ``lxml.etree.fromstring`` + ``XMLSchema.validate`` of the same bytes (the floor:
what a schema-only check costs). Also the time per layer. Targets (issue 3): typical message
under 100 ms; 5000 entries under 3 s.

Then the batch throughput (issue 11): files per second validating every real example in
../shared/itk3/examples (read + all layers, as ``validate`` does) on 1 core and on every core,
against the floor of lxml parse + XSD over the same XML files on one core; the aim is within 5x
of the floor. Nothing here asserts.

    .venv/bin/python benchmarks/validate.py [--repeat 5] [--batch-only]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from generate import message_xml
from lxml import etree

from workbench.core.codecs import read_bytes
from workbench.core.validation.batch import collect_files, default_jobs, validate_files
from workbench.core.validation.issue import LAYERS
from workbench.core.validation.runner import Validator

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TYPICAL = SHARED / "itk3" / "examples" / "FHIR_MESH" / "test_messages" / "ITK-EDIS-Example-1.xml"
XSD = SHARED / "fhir-stu3" / "xsd" / "fhir-single.xsd"
EXAMPLES = SHARED / "itk3" / "examples"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


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


def _batch(registry: object | None, schema: etree.XMLSchema | None, repeat: int) -> None:
    """Files per second over the real examples: 1 core, every core, and the lxml + XSD floor."""
    if not EXAMPLES.exists():
        print("\nbatch: the real examples are absent (../shared/itk3/examples); skipped")
        return
    files = collect_files([str(EXAMPLES)]).files
    xml_files = [f for f in files if f.suffix.lower() == ".xml"]
    validator = Validator(registry)
    list(validate_files(files[:3], validator, jobs=1))  # warm: caches, compiled profiles
    cores = default_jobs()
    print(f"\nbatch over the real examples: {len(files)} files ({len(xml_files)} XML), {cores} cores")
    timings = {}
    for label, chosen in (("all files", files), ("XML files", xml_files)):
        for jobs in sorted({1, cores}):
            seconds = _median(
                lambda chosen=chosen, jobs=jobs: list(validate_files(chosen, validator, jobs=jobs)), repeat
            )
            timings[(label, jobs)] = seconds
            print(
                f"  validate {label:<10} {jobs} core{'s' if jobs > 1 else ' '}  {seconds:6.2f} s  {len(chosen) / seconds:7.1f} files/s"
            )
    if schema is None:
        print("  floor: the STU3 XSD is absent (../shared/fhir-stu3/xsd); no ratio")
        return
    datas = [f.read_bytes() for f in xml_files]

    def floor() -> None:
        for data in datas:
            with contextlib.suppress(etree.XMLSyntaxError):
                schema.validate(etree.fromstring(data, _PARSER))

    seconds = _median(floor, repeat)
    print(f"  floor: lxml parse + XSD, XML files, 1 core  {seconds:6.2f} s  {len(datas) / seconds:7.1f} files/s")
    for jobs in sorted({1, cores}):
        ratio = timings[("XML files", jobs)] / seconds
        print(
            f"  ratio (XML files, all layers, {jobs} core{'s' if jobs > 1 else ''}) to the floor: {ratio:4.1f}x (aim: within 5x)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--batch-only", action="store_true", help="only the throughput over the real examples")
    args = parser.parse_args()
    registry = _registry()
    schema = etree.XMLSchema(etree.parse(str(XSD))) if XSD.exists() else None
    if args.batch_only:
        _batch(registry, schema, max(1, args.repeat // 2))
        return 0
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
    _batch(registry, schema, max(1, args.repeat // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
