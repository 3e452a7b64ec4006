"""Validating many files at once: every core, reports in input order, skipped files named."""

from __future__ import annotations

from pathlib import Path

from workbench.core.validation.batch import collect_files, default_jobs, slim, validate_files
from workbench.core.validation.runner import Validator

PATIENT = '{"resourceType": "Patient", "id": "p%d", "active": true}'
BAD = '<Patient xmlns="http://hl7.org/fhir"><gender value="femal"/></Patient>'


def _folder(tmp_path: Path, count: int = 12) -> Path:
    for number in range(count):
        (tmp_path / f"{number:02d}.json").write_text(PATIENT % number)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.xml").write_text(BAD)
    (tmp_path / "sub" / "broken.xml").write_text("<Patient")
    (tmp_path / "notes.txt").write_text("not a message")
    (tmp_path / "data.XML.bak").write_text("old")
    return tmp_path


def test_collect_names_the_files_it_skips_and_why(tmp_path: Path) -> None:
    collected = collect_files([str(_folder(tmp_path, 2)), str(tmp_path / "absent.xml")])
    assert [p.name for p in collected.files] == ["00.json", "01.json", "bad.xml", "broken.xml"]
    assert [(p.name, why) for p, why in collected.skipped] == [
        ("data.XML.bak", "not an .xml or .json file"),
        ("notes.txt", "not an .xml or .json file"),
    ]
    assert collected.missing == [str(tmp_path / "absent.xml")]


def test_parallel_reports_come_in_input_order_and_match_serial(tmp_path: Path) -> None:
    files = collect_files([str(_folder(tmp_path))]).files
    validator = Validator(layers=("syntax", "structure"))
    seen: list[str] = []
    parallel = list(validate_files(files, validator, jobs=2, done=lambda n, p: seen.append(p.name)))
    serial = list(validate_files(files, validator, jobs=1))
    assert [r.file for r in parallel] == [str(p) for p in files] == [r.file for r in serial]
    assert seen == [p.name for p in files]
    assert [(r.valid, r.readable, r.predicted) for r in parallel] == [
        (r.valid, r.readable, r.predicted) for r in serial
    ]
    assert [[i.to_json() for i in r.issues] for r in parallel] == [[i.to_json() for i in r.issues] for r in serial]
    bad = next(r for r in parallel if r.file.endswith("bad.xml"))
    assert not bad.valid and bad.readable and bad.document is not None and bad.document.root.name == "Patient"
    broken = next(r for r in parallel if r.file.endswith("broken.xml"))
    assert not broken.readable and broken.predicted[0] == "10009"


def test_slim_reports_keep_findings_but_drop_the_tree(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(BAD)
    report = Validator(layers=("structure",)).validate_file(path)
    light = slim(report)
    assert light.issues == report.issues and all(i.node is None for i in light.issues)
    assert light.document is not None and light.document.root.children == []
    assert default_jobs() >= 1
