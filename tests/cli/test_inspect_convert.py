"""``itk-workbench inspect`` and ``convert`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES, require_shared

from workbench.core.codecs import read_file
from workbench.core.compare import first_difference

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
JEKYLL = EXAMPLES / "gpconnect-messaging" / "_includes" / "senddocument" / "consultation_report.xml"


def test_help_lists_the_commands(cli) -> None:
    done = cli("--help")
    assert done.returncode == 0
    assert "inspect" in done.stdout and "convert" in done.stdout


def test_inspect_text(cli) -> None:
    done = cli("inspect", str(require_shared(ITK009D)))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Event:       ITK009D  ITK Digital Medicine Immunization Document" in out
    assert "Business ack requested: yes" in out and "Recipient type: FA (For Action)" in out
    assert "Sender reference: Int-20190904-001" in out
    assert "Source:      8J110OT001" in out
    assert "Payload:     document bundle: Community Pharmacy Seasonal Flu Vaccine Record" in out


def test_inspect_json(cli) -> None:
    done = cli("inspect", str(require_shared(ITK009D)), "--format", "json")
    assert done.returncode == 0
    summary = json.loads(done.stdout)
    assert summary["event"]["code"] == "ITK009D"
    assert summary["handling"]["BusAckRequested"] == {"value": "true", "type": "valueBoolean"}
    assert summary["sender"]["resource"].startswith("Organization FKL95")
    assert summary["payload"]["kind"] == "document bundle"
    assert [e["resourceType"] for e in summary["entries"]] == [
        "MessageHeader",
        "Organization",
        "Organization",
        "Bundle",
    ]


def test_inspect_unreadable_input_exits_2_with_place(cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text('<Bundle xmlns="http://hl7.org/fhir">\n  <type value="message">\n</Bundle>\n')
    done = cli("inspect", str(broken))
    assert done.returncode == 2
    assert "line 3, column 3" in done.stderr and "broken.xml" in done.stderr
    assert "Traceback" not in done.stderr
    assert cli("inspect", str(tmp_path / "absent.xml")).returncode == 2


def test_inspect_jekyll_example_gives_a_clear_error(cli) -> None:
    done = cli("inspect", str(require_shared(JEKYLL)))
    assert done.returncode == 2 and "line 1, column 1" in done.stderr and "Jekyll" in done.stderr


def test_convert_round_trip_through_files(cli, tmp_path: Path) -> None:
    source = require_shared(ITK009D)
    as_json, as_xml = tmp_path / "m.json", tmp_path / "m.xml"
    assert cli("convert", str(source), "--to", "json", "-o", str(as_json)).returncode == 0
    assert cli("convert", str(as_json), "--to", "xml", "-o", str(as_xml)).returncode == 0
    assert first_difference(read_file(source).root, read_file(as_xml).root) is None


def test_convert_to_stdout_plain_and_normalised(cli, tmp_path: Path) -> None:
    source = tmp_path / "o.xml"
    source.write_text(
        '<?xml version="1.0"?><!-- note --><Observation xmlns="http://hl7.org/fhir">'
        '<valueQuantity><value value="72.50"/></valueQuantity><status value="final"/></Observation>'
    )
    faithful = cli("convert", str(source), "--to", "json")
    assert faithful.returncode == 0 and '"value": 72.50' in faithful.stdout and "fhir_comments" in faithful.stdout
    plain = cli("convert", str(source), "--to", "json", "--plain", "--normalise")
    assert plain.returncode == 0 and "fhir_comments" not in plain.stdout
    assert list(json.loads(plain.stdout)) == ["resourceType", "status", "valueQuantity"]
    assert "left out" in plain.stderr


def test_convert_usage_errors(cli, tmp_path: Path) -> None:
    assert cli("convert", "x.xml").returncode == 2  # --to is required
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    source = tmp_path / "p.json"
    source.write_text('{"resourceType": "Patient"}')
    done = cli("convert", str(source), "--to", "json", "-o", str(target))
    assert done.returncode == 2 and "cannot write" in done.stderr


def test_a_word_that_is_neither_command_nor_file_is_a_usage_error(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT

    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "minimal-does-not-exist"}
    for words in (["new-message"], ["nosuchcommand", "--flag"], [str(tmp_path / "missing.xml")]):
        done = subprocess.run(
            [sys.executable, "-m", "workbench", *words],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "no such command or file" in done.stderr and "validate" in done.stderr
        assert "Traceback" not in done.stderr
