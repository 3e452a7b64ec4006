"""Loose ends a new user found: validate over folders on every core, partial layers, a broken
pipe, plurals, and inspect/convert of XML or JSON that is not a FHIR resource."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

from tests.conftest import canonical_xml
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render

PATIENT = '{"resourceType": "Patient", "id": "p%d", "active": true}'
BAD = '<Patient xmlns="http://hl7.org/fhir"><active value="true"/><id value="p"/><gender value="femal"/></Patient>'


def _folder(tmp_path: Path) -> Path:
    for number in range(6):
        (tmp_path / f"{number}.json").write_text(PATIENT % number)
    (tmp_path / "bad.xml").write_text(BAD)
    (tmp_path / "readme.md").write_text("# not a message")
    return tmp_path


def test_validate_jobs_keeps_input_order_and_names_skipped_files(cli, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    one = cli("validate", str(folder), "--format", "json", "--jobs", "1")
    two = cli("validate", str(folder), "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert [Path(r["file"]).name for r in json.loads(two.stdout)] == [*(f"{n}.json" for n in range(6)), "bad.xml"]
    assert f"skipped {folder / 'readme.md'}: not an .xml or .json file" in two.stderr
    refused = cli("validate", str(folder), "--jobs", "0")
    assert refused.returncode == 2 and "not a number of processes" in refused.stderr


def test_a_partial_run_does_not_predict_a_success(cli, tmp_path: Path) -> None:
    good = tmp_path / "message.xml"
    good.write_bytes(render(sample_message(clock=VirtualClock(), ids=SequentialIds("partial")), "xml"))
    assert "receiver would answer 20013 Success" in cli("validate", str(good)).stdout
    done = cli("validate", str(good), "--layer", "itk3")
    assert "20013" not in done.stdout and "would answer" not in done.stdout
    assert "in the itk3 layer; other layers not run, so no receiver answer is predicted" in done.stdout
    data = json.loads(cli("validate", str(good), "--layer", "itk3", "--format", "json").stdout)
    assert data["predicted_response"] is None and data["layers"] == ["itk3"]
    outcome = json.loads(cli("validate", str(good), "--layer", "syntax", "--format", "outcome").stdout)
    assert "20013" not in json.dumps(outcome)


def test_counts_are_in_plain_english(cli, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = cli("validate", str(folder / "bad.xml"), "--layer", "structure")
    assert "INVALID (2 errors);" in done.stdout
    many = cli("validate", str(folder), "-q", "--layer", "structure")
    assert "7 files: 6 valid, 1 invalid, 0 unreadable" in many.stdout


def test_a_broken_pipe_keeps_the_exit_code_of_the_findings(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "validate", str(folder), "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away at once, like `| head -0`
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_inspect_and_convert_refuse_what_is_not_a_fhir_resource(cli, tmp_path: Path) -> None:
    xml = tmp_path / "fragment.xml"
    xml.write_text('<entry xmlns="http://hl7.org/fhir"><fullUrl value="urn:uuid:1"/></entry>')
    other = tmp_path / "other.xml"
    other.write_text("<note><to>you</to></note>")
    plain = tmp_path / "plain.json"
    plain.write_text('{"name": "not FHIR"}')
    cases = [("inspect", str(path)) for path in (xml, other, plain)]
    cases += [("convert", str(path), "--to", to) for path in (other, plain) for to in ("json", "xml")]
    for args in cases:
        done = cli(*args)
        assert done.returncode == 2, (args, done.stdout)
        assert done.stdout == "" and "not a FHIR resource" in done.stderr and "Traceback" not in done.stderr
        assert f"{args[1]}, line 1, column 1:" in done.stderr


def test_convert_keeps_a_fhir_fragment_whole_and_says_it_is_one(cli, tmp_path: Path) -> None:
    # Some published examples are an entry cut out of a Bundle (no namespace at all): convert
    # round-trips them losslessly, saying they are fragments, not complete FHIR documents.
    xml = tmp_path / "fragment.xml"
    xml.write_text('<entry><fullUrl value="urn:uuid:1"/><resource><Basic><id value="1"/></Basic></resource></entry>')
    json_out, xml_out = tmp_path / "f.json", tmp_path / "f.xml"
    done = cli("convert", str(xml), "--to", "json", "-o", str(json_out))
    assert done.returncode == 0 and "is a FHIR element, not a resource" in done.stderr
    done = cli("convert", str(json_out), "--to", "xml", "-o", str(xml_out))
    assert done.returncode == 0
    assert canonical_xml(xml_out.read_bytes()) == canonical_xml(xml.read_bytes())
