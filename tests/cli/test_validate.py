"""``itk-workbench validate`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES, require_shared
from lxml import etree

RESPONSE_OK = EXAMPLES / "STU3-FHIR-Assets" / "Examples" / "ITK-Response-20013-Example-1.xml"
BARE_IDS = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK003D_ITK_eDischarge.xml"

PATIENT_BAD = (
    '<Patient xmlns="http://hl7.org/fhir"><active value="true"/><id value="p"/><gender value="femal"/></Patient>'
)


def test_valid_file_exits_0(cli, tmp_path: Path) -> None:
    good = tmp_path / "p.json"
    good.write_text('{"resourceType": "Patient", "id": "p", "active": true}')
    done = cli("validate", str(good), "--layer", "syntax", "--layer", "structure")
    assert done.returncode == 0, done.stdout
    assert ": valid" in done.stdout


def test_invalid_file_exits_1_and_explains(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(PATIENT_BAD)
    done = cli("validate", str(bad), "--layer", "structure")
    assert done.returncode == 1
    assert "struct-order" in done.stdout and "struct-code" in done.stdout
    assert "'gender' value 'femal' is not one of the STU3 codes: female, male, other, unknown" in done.stdout


def test_unreadable_file_exits_2_with_10009(cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Bundle xmlns='http://hl7.org/fhir'>\n<type value='message'>\n</Bundle>")
    done = cli("validate", str(broken), "--format", "json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["predicted_response"] == {"code": "10009", "display": "Unreadable message received"}
    [issue] = report["issues"]
    assert (issue["layer"], issue["severity"], issue["line"], issue["column"]) == ("syntax", "fatal", 3, 3)


def test_json_format_has_the_documented_fields(cli) -> None:
    done = cli("validate", str(require_shared(BARE_IDS)), "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert set(report) == {"file", "valid", "predicted_response", "issues"}
    assert report["valid"] is False
    issue = next(i for i in report["issues"] if i["rule"] == "bundle-ref-bare-id")
    assert set(issue) >= {"severity", "layer", "rule", "message", "path", "line", "column", "itk_code"}
    assert (issue["itk_code"] == "20006" and issue["path"].endswith("sender.reference")) or issue["path"].endswith(
        "reference"
    )


def test_folder_gives_one_object_per_file(cli, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"resourceType": "Patient"}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_text(PATIENT_BAD)
    (tmp_path / "notes.txt").write_text("ignored")
    done = cli("validate", str(tmp_path), "--format", "json", "--layer", "structure")
    reports = json.loads(done.stdout)
    assert [Path(r["file"]).name for r in reports] == ["a.json", "b.xml"]
    assert [r["valid"] for r in reports] == [True, False] and done.returncode == 1


def test_junit_and_outcome_formats(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(PATIENT_BAD)
    junit = cli("validate", str(bad), "--format", "junit", "--layer", "structure")
    suite = etree.fromstring(junit.stdout.encode())
    assert suite.tag == "testsuite" and suite.get("failures") == "1"
    assert "struct-code" in suite.find("testcase/failure").text
    outcome = json.loads(cli("validate", str(bad), "--format", "outcome", "--layer", "structure").stdout)
    assert outcome["resourceType"] == "OperationOutcome"
    codes = {i["code"] for i in outcome["issue"]}
    assert codes == {"structure"} and all(i["severity"] == "error" for i in outcome["issue"])
    assert outcome["issue"][0]["extension"][0]["url"].endswith("operationoutcome-issue-line")


def test_missing_path_and_bad_profile_folder(cli, tmp_path: Path) -> None:
    assert cli("validate", str(tmp_path / "absent.xml")).returncode == 2
    good = tmp_path / "p.json"
    good.write_text('{"resourceType": "Patient"}')
    done = cli("validate", str(good), "--profile", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "not a folder" in done.stderr


def test_official_response_example_is_valid(cli) -> None:
    done = cli("validate", str(require_shared(RESPONSE_OK)), "--format", "json")
    report = json.loads(done.stdout)
    assert report["predicted_response"]["code"] == "20013"
    assert not [i for i in report["issues"] if i["severity"] in ("error", "fatal")], report["issues"]
