"""Speed of the profile layer (StructureDefinitions, bindings, invariants), warm.

Prints, for the workbench's own ITK3 pack and for the NHS profiles in ``../shared`` (when
present):

- loading the registry, cold (first time in the process) and warm (compiled forms cached);
- a real ~100 KB ITK3 message (``FHIR_MESH/test_messages/ITK-EDIS-Example-1.xml``, an
  eDischarge with a 30-entry document payload): the profile layer alone and the whole validator
  (every layer), median of warm runs;
- a generated 1000-entry message (``generate.message_xml(1000)``), validated against
  ITK-Message-Bundle-1 and ITK-MessageHeader-2 (chosen as user profiles: the generated
  resources claim none).

Target (issue 3): the whole validator under 100 ms for a typical 100 KB message, warm. Nothing
here asserts: it prints figures.

    .venv/bin/python benchmarks/profiles.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate import message_xml

from workbench.core.codecs import read_bytes, read_file
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.runner import Validator

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ITK_WORKBENCH_SHARED", ROOT.parent / "shared"))
CONFORMANCE = SHARED / "itk3" / "conformance"
EXAMPLE = SHARED / "itk3" / "examples" / "FHIR_MESH" / "test_messages" / "ITK-EDIS-Example-1.xml"
SD = "https://fhir.nhs.uk/STU3/StructureDefinition/"
CHOSEN = (SD + "ITK-Message-Bundle-1", SD + "ITK-MessageHeader-2")


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm: compiled expressions, expansions, imports
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _timed(fn: Callable[[], ProfileRegistry]) -> tuple[ProfileRegistry, float]:
    start = time.perf_counter()
    registry = fn()
    return registry, time.perf_counter() - start


def _layer(document: Document, registry: ProfileRegistry, profiles: tuple[str, ...] = ()) -> Callable[[], object]:
    view = message_view(document)

    def run() -> object:
        return check_document(
            document,
            registry,
            profiles,
            message_definition=view.value("MessageDefinition") if view.is_message else None,
            payload=view.payload if view.is_message and not view.is_response else None,
        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    registries: list[tuple[str, ProfileRegistry]] = []
    pack, cold = _timed(ProfileRegistry.default)
    _, warm = _timed(ProfileRegistry.default)
    print(f"shipped pack: {len(pack)} resources; load cold {cold * 1000:.0f} ms, warm {warm * 1000:.1f} ms")
    registries.append(("pack", pack))
    if CONFORMANCE.is_dir():
        folders = [CONFORMANCE / f for f in ("StructureDefinitions", "ValueSets", "CodeSystems", "MessageDefinitions")]
        nhs, cold = _timed(lambda: ProfileRegistry.from_paths(*folders))
        _, warm = _timed(lambda: ProfileRegistry.from_paths(*folders))
        print(f"NHS profiles: {len(nhs)} resources; load cold {cold:.2f} s, warm {warm * 1000:.1f} ms")
        registries.append(("NHS", nhs))
    else:
        print(f"NHS profiles: not found at {CONFORMANCE}; skipped")

    inputs: list[tuple[str, Document, tuple[str, ...]]] = []
    if EXAMPLE.is_file():
        inputs.append((f"{EXAMPLE.name} ({EXAMPLE.stat().st_size // 1024} KB)", read_file(EXAMPLE), ()))
    data = message_xml(1000)
    inputs.append((f"generated 1000 entries ({len(data) // 1024} KB)", read_bytes(data), CHOSEN))

    print()
    print(f"{'input':38} {'profiles':8} {'profile layer':>14} {'whole validator':>16} {'issues':>7}")
    for label, document, chosen in inputs:
        for name, registry in registries:
            layer = _median(_layer(document, registry, chosen), args.repeat)
            validator = Validator(registry, profiles=chosen)
            whole = _median(lambda v=validator, d=document: v.validate(d), args.repeat)
            count = len(_layer(document, registry, chosen)())  # type: ignore[arg-type]
            print(f"{label:38} {name:8} {layer * 1000:11.1f} ms {whole * 1000:13.1f} ms {count:7}")


if __name__ == "__main__":
    main()
