"""``itk-workbench validate PATH...``: validate messages in layers and predict the receiver's answer."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from workbench.cli.common import fail
from workbench.core.toolkit.report import partial_layers, verdict_text
from workbench.core.validation.batch import collect_files, default_jobs, validate_files
from workbench.core.validation.issue import LAYERS, Issue
from workbench.core.validation.profiles.library import load_profile_set
from workbench.core.validation.runner import Report, Validator
from workbench.core.words import plural


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="validate messages (STU3 structure, bundle, profiles, ITK3 rules) and predict the ITK response",
        description="Validate each PATH (a file, or a folder: every .xml and .json file in it) in "
        "layers: syntax, STU3 structure, bundle integrity, profiles and terminology, ITK3 rules. "
        "Each finding names its layer, rule, place and fix; the verdict names the ITK Response a "
        "receiver would answer. Exit 0 when nothing is an error, 1 when something is, 2 when "
        "input could not be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="DIR",
        help="also load StructureDefinitions, ValueSets and CodeSystems from DIR (repeatable)",
    )
    parser.add_argument("--format", choices=("text", "json", "junit", "outcome"), default="text")
    parser.add_argument("--layer", action="append", choices=LAYERS, help="run only these layers (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true", help="text format: only each file's verdict")
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"validate N files at a time in separate processes (default: every core, {default_jobs()} here)",
    )


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return value


def run(args: argparse.Namespace) -> int:
    collected = collect_files(args.paths)
    files, missing = collected.files, collected.missing
    for path in missing:
        fail(f"{path}: no such file or folder")
    for path, reason in collected.skipped:
        print(f"itk-workbench: skipped {path}: {reason}", file=sys.stderr)
    if not files and not missing:
        return fail("no .xml or .json files found in " + ", ".join(args.paths))
    registry = _registry(args.profile)
    if registry is False:
        return 2
    validator = Validator(registry, layers=tuple(args.layer or LAYERS))
    progress = _Progress(len(files)) if len(files) > 1 and sys.stderr.isatty() and args.format == "text" else None
    reports = list(validate_files(files, validator, jobs=args.jobs, done=progress.show if progress else None))
    if progress is not None:
        progress.done()
    _print(reports, args)
    if missing or any(not r.readable for r in reports):
        return 2
    return 0 if all(r.valid for r in reports) else 1


def _registry(folders: list[str]) -> object | None:
    """The shipped profiles plus the user's folders; False when a folder is unusable."""
    for folder in folders:
        if not Path(folder).is_dir():
            fail(f"--profile {folder}: not a folder")
            return False
    loaded = load_profile_set(folders)
    for summary in loaded.summaries[1:]:
        for problem in summary.problems:
            print(f"itk-workbench: warning: {problem}", file=sys.stderr)
    return loaded.registry


class _Progress:
    """A one-line progress bar on the terminal (standard error)."""

    def __init__(self, total: int) -> None:
        self.total = total

    def show(self, number: int, path: Path) -> None:
        width = 30
        filled = width * number // self.total
        name = path.name if len(path.name) < 40 else "…" + path.name[-39:]
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {number}/{self.total} {name:<40}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r" + " " * 90 + "\r")
        sys.stderr.flush()


def _print(reports: list[Report], args: argparse.Namespace) -> None:
    layers = tuple(args.layer or LAYERS)
    if args.format == "json":
        data = [_json(r, layers) for r in reports]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
    elif args.format == "junit":
        print(junit(reports))
    elif args.format == "outcome":
        print(json.dumps(outcome(reports, layers), indent=2, ensure_ascii=False))
    else:
        print(text(reports, quiet=args.quiet, layers=layers))


def _json(report: Report, layers: tuple[str, ...]) -> dict[str, object]:
    """A report as JSON; a run of some layers only says which, and predicts nothing when valid."""
    data = report.to_json()
    if partial_layers(layers) is not None:
        data["layers"] = list(layers)
        if report.valid and report.readable:
            data["predicted_response"] = None
    return data


def text(reports: list[Report], *, quiet: bool = False, layers: tuple[str, ...] | None = None) -> str:
    """Reports as text for a terminal."""
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report.file}: {verdict_text(report, layers)}")
        if quiet:
            continue
        for issue in report.issues:
            where = _where(issue)
            code_text = f" [{issue.itk_code}]" if issue.itk_code else ""
            lines.append(
                f"  {issue.severity.upper():<11} {issue.layer:<11} {issue.rule:<28} {where:<12} {issue.path or ''}{code_text}"
            )
            lines.append(f"      {issue.text}")
    if len(reports) > 1:
        valid = sum(r.valid for r in reports)
        unreadable = sum(not r.readable for r in reports)
        lines.append(
            f"\n{plural(len(reports), 'file')}: {valid} valid, {len(reports) - valid - unreadable} invalid, "
            f"{unreadable} unreadable"
        )
    return "\n".join(lines)


def _where(issue: Issue) -> str:
    """``line 3:14``, ``line 3`` when the column is not known, ``-`` when neither is."""
    if issue.line is None:
        return "-"
    return f"line {issue.line}:{issue.column}" if issue.column is not None else f"line {issue.line}"


def _issues_by_file(reports: list[Report]) -> Iterator[tuple[Report, list[Issue]]]:
    for report in reports:
        yield report, [i for i in report.issues if i.is_error]


def junit(reports: list[Report]) -> str:
    """Reports as JUnit XML: a test case per file, a failure per error."""
    failures = sum(1 for r in reports if not r.valid)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name="itk-workbench validate" tests="{len(reports)}" failures="{failures}" errors="0">',
    ]
    for report, errors in _issues_by_file(reports):
        name = quoteattr(str(report.file))
        seconds = f"{report.seconds:.3f}"
        if not errors:
            out.append(f'  <testcase classname="validate" name={name} time="{seconds}"/>')
            continue
        out.append(f'  <testcase classname="validate" name={name} time="{seconds}">')
        code, display = report.predicted
        body = "\n".join(f"{i.severity} {i.layer} {i.rule} {_where(i)} {i.path or ''}: {i.text}" for i in errors)
        message = quoteattr(f"{plural(len(errors), 'error')}; receiver would answer {code} {display}")
        out.append(f'    <failure message={message} type="invalid">{_xml_text(body)}</failure>')
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out)


def _xml_text(text_value: str) -> str:
    return text_value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ISSUE_TYPE = {
    "syntax": "structure",
    "structure": "structure",
    "bundle": "invalid",
    "profile": "invariant",
    "terminology": "code-invalid",
    "itk3": "business-rule",
}
_LINE = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line"
_COL = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col"


def outcome(reports: list[Report], layers: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Reports as FHIR STU3 OperationOutcome JSON (a collection Bundle for several files)."""
    outcomes = [_outcome(r, layers) for r in reports]
    if len(outcomes) == 1:
        return outcomes[0]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in outcomes],
    }


def _outcome(report: Report, layers: tuple[str, ...] | None = None) -> dict[str, Any]:
    issues = []
    for issue in report.issues:
        entry: dict[str, Any] = {"severity": issue.severity, "code": _ISSUE_TYPE[issue.layer]}
        if issue.line is not None:
            entry["extension"] = [{"url": _LINE, "valueInteger": issue.line}]
            if issue.column is not None:
                entry["extension"].append({"url": _COL, "valueInteger": issue.column})
        entry["details"] = {"text": issue.message}
        diagnostics = f"[{issue.layer}/{issue.rule}]" + (f" {issue.hint}" if issue.hint else "")
        if issue.itk_code:
            diagnostics += f" (a receiver would answer {issue.itk_code})"
        entry["diagnostics"] = diagnostics
        if issue.path:
            entry["location"] = [issue.path]
            entry["expression"] = [issue.path]
        issues.append(entry)
    if not issues:
        issues.append(
            {
                "severity": "information",
                "code": "informational",
                "details": {"text": verdict_text(report, layers)},
            }
        )
    return {"resourceType": "OperationOutcome", "issue": issues}
