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
from workbench.core.validation.issue import LAYERS, Issue
from workbench.core.validation.profiles.library import load_profile_set
from workbench.core.validation.runner import Report, Validator

_SUFFIXES = (".xml", ".json")


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


def run(args: argparse.Namespace) -> int:
    files, missing = _collect(args.paths)
    for path in missing:
        fail(f"{path}: no such file or folder")
    if not files and not missing:
        return fail("no .xml or .json files found in " + ", ".join(args.paths))
    registry = _registry(args.profile)
    if registry is False:
        return 2
    validator = Validator(registry, layers=tuple(args.layer or LAYERS))
    progress = _Progress(len(files)) if len(files) > 1 and sys.stderr.isatty() and args.format == "text" else None
    reports = []
    for number, path in enumerate(files, 1):
        if progress is not None:
            progress.show(number, path)
        reports.append(validator.validate_file(path))
    if progress is not None:
        progress.done()
    _print(reports, args)
    if missing or any(not r.readable for r in reports):
        return 2
    return 0 if all(r.valid for r in reports) else 1


def _collect(paths: list[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            missing.append(name)
    return files, missing


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
    if args.format == "json":
        data = [r.to_json() for r in reports]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
    elif args.format == "junit":
        print(junit(reports))
    elif args.format == "outcome":
        print(json.dumps(outcome(reports), indent=2, ensure_ascii=False))
    else:
        print(text(reports, quiet=args.quiet))


def text(reports: list[Report], *, quiet: bool = False) -> str:
    """Reports as text for a terminal."""
    lines: list[str] = []
    for report in reports:
        code, display = report.predicted
        counts = report.counts()
        verdict = "valid" if report.valid else ("unreadable" if not report.readable else "INVALID")
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
        lines.append(f"{report.file}: {verdict} ({summary}); receiver would answer {code} {display}")
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
            f"\n{len(reports)} files: {valid} valid, {len(reports) - valid - unreadable} invalid, {unreadable} unreadable"
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
        message = quoteattr(f"{len(errors)} error(s); receiver would answer {code} {display}")
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


def outcome(reports: list[Report]) -> dict[str, Any]:
    """Reports as FHIR STU3 OperationOutcome JSON (a collection Bundle for several files)."""
    outcomes = [_outcome(r) for r in reports]
    if len(outcomes) == 1:
        return outcomes[0]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": o} for o in outcomes],
    }


def _outcome(report: Report) -> dict[str, Any]:
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
        code, display = report.predicted
        issues.append(
            {
                "severity": "information",
                "code": "informational",
                "details": {"text": f"valid; a receiver would answer {code} {display}"},
            }
        )
    return {"resourceType": "OperationOutcome", "issue": issues}
