"""``itk-workbench report PATH... -o REPORT.html``: a self-contained HTML validation report."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.common import emit, fail
from workbench.cli.validate import _registry
from workbench.core.codecs import read_file_bytes
from workbench.core.errors import ReadError
from workbench.core.toolkit.report import FileReport, file_report, summary_line, versions
from workbench.core.toolkit.report_html import render_report_html
from workbench.core.validation.batch import collect_files
from workbench.core.validation.issue import LAYERS
from workbench.core.validation.runner import Validator, unreadable_report


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write a self-contained HTML report of the validation of messages",
        description="Validate each PATH (a file, or a folder: every .xml and .json file in it) and "
        "write one HTML file that needs nothing else to open: each file's verdict and predicted "
        "Response, every finding (severity, layer, rule, message, fix, path, line) grouped by layer "
        "and filterable, and the source lines around it. Exit codes as for validate: 0 valid, 1 "
        "findings, 2 input (or the output) could not be used.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    parser.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML file to write")
    parser.add_argument("--profile", action="append", default=[], metavar="DIR", help="also load profiles from DIR")
    parser.add_argument("--layer", action="append", choices=LAYERS, help="run only these layers (repeatable)")
    parser.add_argument("--title", default="ITK3 validation report", help="the report's title")


def run(args: argparse.Namespace) -> int:
    collected = collect_files(args.paths)
    for path in collected.missing:
        fail(f"{path}: no such file or folder")
    if not collected.files:
        return fail("no .xml or .json files found in " + ", ".join(args.paths))
    registry = _registry(args.profile)
    if registry is False:
        return 2
    validator = Validator(registry, layers=tuple(args.layer or LAYERS))
    reports = [_report(path, validator) for path in collected.files]
    html = render_report_html(reports, title=args.title, versions=versions(validator))
    if emit(html, args.output):
        return 2
    print(f"{summary_line(reports)}; report written to {args.output}")
    for path, reason in collected.skipped:
        print(f"  skipped {path}: {reason}")
    if collected.missing or any(not r.report.readable for r in reports):
        return 2
    return 0 if all(r.report.valid for r in reports) else 1


def _report(path: Path, validator: Validator) -> FileReport:
    try:
        data = read_file_bytes(path)
    except ReadError as exc:
        report = unreadable_report(exc, str(path))
        return FileReport(str(path), None, 0, "", report, "unreadable: " + exc.message)
    return file_report(data, str(path), validator)
