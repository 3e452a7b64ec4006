"""``itk-workbench mask FILE...``: copies of messages with the patient data replaced."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import emit, fail, print_json
from workbench.cli.inputs import not_a_resource
from workbench.core.codecs import read_file_bytes
from workbench.core.errors import ReadError
from workbench.core.toolkit.masking import Masker, MaskResult


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "mask",
        help="write copies of messages with the patient's details replaced, to share them safely",
        description="Replace the patient data in each FILE: NHS numbers (by valid test numbers in the "
        "999 range), other patient identifiers, names, birth dates (shifted, ages kept), addresses, "
        "postcodes and telecoms, wherever they occur, narrative and other free text included. The "
        "same value becomes the same replacement everywhere; nothing else changes, so the copy "
        "validates as the original did. Each copy keeps its syntax (XML or JSON). A summary says "
        "what was replaced where (without the original values). Attachments (PDFs and the like) "
        "cannot be examined: the summary names them.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="FHIR XML or JSON message")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-o", "--output", metavar="OUT", help="the masked copy of a single FILE (default: standard output)"
    )
    where.add_argument("--out-dir", metavar="DIR", help="write each masked copy to DIR under its own name")
    parser.add_argument(
        "--seed",
        metavar="S",
        help="make the replacements reproducible: the same seed gives the same bytes (keep it private: "
        "with it, candidate originals could be tried); default: a random seed",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="format of the summary")


def run(args: argparse.Namespace) -> int:
    if len(args.files) > 1 and args.out_dir is None:
        return fail("several files need --out-dir DIR for their masked copies")
    if args.out_dir is not None and not Path(args.out_dir).is_dir():
        return fail(f"--out-dir {args.out_dir}: not a folder")
    masker = Masker(args.seed)
    status = 0
    summaries = []
    used: set[Path] = set()
    for name in args.files:
        result = _mask(masker, name)
        if result is None:
            status = 2
            continue
        target = _target(name, args, used)
        if target is not None and target.exists() and target.resolve() == Path(name).resolve():
            status = fail(f"{name}: the masked copy would overwrite the original; choose another output")
            continue
        if emit(result.data, str(target) if target is not None else None):
            status = 2
            continue
        summaries.append((name, target, result))
    _summarise(summaries, args)
    return status


def _mask(masker: Masker, name: str) -> MaskResult | None:
    try:
        result = masker.mask_bytes(read_file_bytes(name), name)
    except ReadError as exc:
        fail(str(exc))
        return None
    problem = not_a_resource(result.document)
    if problem is not None:
        fail(problem)
        return None
    return result


def _target(name: str, args: argparse.Namespace, used: set[Path]) -> Path | None:
    if args.out_dir is None:
        return Path(args.output) if args.output not in (None, "-") else None
    target = Path(args.out_dir) / Path(name).name
    stem, suffix, number = target.stem, target.suffix, 2
    while target in used:
        target = target.with_name(f"{stem}-{number}{suffix}")
        number += 1
    used.add(target)
    return target


def _summarise(summaries: list, args: argparse.Namespace) -> None:
    to_stdout = args.output in (None, "-") and args.out_dir is None
    stream = sys.stderr if to_stdout else sys.stdout
    if args.format == "json" and not to_stdout:
        print_json([{"file": name, "output": str(target), **result.to_json()} for name, target, result in summaries])
        return
    for name, target, result in summaries:
        where = f" -> {target}" if target is not None else ""
        print(f"{name}{where}", file=stream)
        for line in result.summary_lines():
            print(f"  {line}", file=stream)
