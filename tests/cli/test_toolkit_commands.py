"""``diff``, ``mask``, ``report`` and ``evidence`` as a user runs them, over samples and the real
examples (see MANIFEST.tsv in ../shared/itk3/examples)."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, require_shared

from workbench.core.acks.builder import Responder, build_response
from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.toolkit.evidence import check_manifest
from workbench.core.toolkit.fakes import is_valid_nhs_number

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"
OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"
TEST_MESSAGES = EXAMPLES / "FHIR_MESH" / "test_messages"


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _conversation(folder: Path) -> tuple[Path, Path, Path]:
    clock, ids = VirtualClock(), SequentialIds("cli-toolkit")
    message = sample_message(clock=clock, ids=ids)
    clock.advance(5)
    infrastructure = build_response(message, "20013", Responder("RCV01", "RCV01OT001"), clock=clock, ids=ids)
    clock.advance(60)
    business = build_response(message, "30002", Responder("RCV01", "RCV01OT001"), clock=clock, ids=ids)
    return (
        _write(folder, "message.xml", render(message, "xml")),
        _write(folder, "inf.xml", render(infrastructure.document, "xml")),
        _write(folder, "bus.xml", render(business.document, "xml")),
    )


# ---- diff ------------------------------------------------------------------------------------


def test_diff_of_a_message_and_its_json_is_same(cli, tmp_path: Path) -> None:
    message, _, _ = _conversation(tmp_path)
    as_json = tmp_path / "message.json"
    assert cli("convert", str(message), "--to", "json", "-o", str(as_json)).returncode == 0
    done = cli("diff", str(message), str(as_json))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "same: A and B hold the same message" in done.stdout
    data = json.loads(cli("diff", str(message), str(as_json), "--format", "json").stdout)
    assert data == {"same": True, "differences": []}


def test_diff_of_two_messages_lists_differences_with_fhir_paths(cli, tmp_path: Path) -> None:
    message, infrastructure, _ = _conversation(tmp_path)
    changed = _write(tmp_path, "changed.xml", message.read_bytes().replace(b'value="ITK003D"', b'value="ITK007C"', 1))
    done = cli("diff", str(message), str(changed), "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["same"] is False
    assert data["differences"] == [
        {"kind": "changed", "path": "Bundle.entry[0].resource.event.code", "a": "ITK003D", "b": "ITK007C"}
    ]
    text = cli("diff", str(message), str(infrastructure))
    assert text.returncode == 1 and text.stdout.splitlines()[2].startswith("different: ")
    assert re.search(r"^  (changed|added|removed|moved) +Bundle", text.stdout, re.M)


def test_diff_ignore_volatile_makes_a_resent_message_the_same(cli, tmp_path: Path) -> None:
    first = _write(tmp_path, "first.xml", render(sample_message(clock=VirtualClock(), ids=SequentialIds("1")), "xml"))
    resent = render(sample_message(clock=VirtualClock(), ids=SequentialIds("2")), "xml")
    resent = re.sub(rb'<timestamp value="[^"]+"', b'<timestamp value="2025-03-04T05:06:07+00:00"', resent)
    again = _write(tmp_path, "again.xml", resent)
    assert cli("diff", str(first), str(again)).returncode == 1
    done = cli("diff", str(first), str(again), "--ignore-volatile")
    assert done.returncode == 0, done.stdout
    assert "ignoring ids, fullUrls, timestamps and generated identifiers" in done.stdout


def test_diff_of_unreadable_or_non_fhir_input_exits_2(cli, tmp_path: Path) -> None:
    message, _, _ = _conversation(tmp_path)
    broken = _write(tmp_path, "broken.xml", b"<Bundle xmlns='http://hl7.org/fhir'><type value='message'>")
    done = cli("diff", str(message), str(broken))
    assert done.returncode == 2 and "broken.xml, line" in done.stderr and "Traceback" not in done.stderr
    other = _write(tmp_path, "other.xml", b"<entry xmlns='http://hl7.org/fhir'/>")
    done = cli("diff", str(message), str(other))
    assert done.returncode == 2 and "the root element 'entry' is not a FHIR resource" in done.stderr


@pytest.mark.corpus
def test_diff_of_real_messages_and_their_json(cli, tmp_path: Path) -> None:
    for source in (require_shared(ITK009D), OPL):
        as_json = tmp_path / (source.stem + ".json")
        assert cli("convert", str(source), "--to", "json", "-o", str(as_json)).returncode == 0
        done = cli("diff", str(source), str(as_json), "--format", "json")
        assert (done.returncode, json.loads(done.stdout)["same"]) == (0, True), source.name


# ---- mask ------------------------------------------------------------------------------------


def test_mask_writes_a_copy_with_a_summary_and_the_same_seed_gives_the_same_bytes(cli, tmp_path: Path) -> None:
    message, _, _ = _conversation(tmp_path)
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    done = cli("mask", str(message), "-o", str(one), "--seed", "s3cret")
    assert done.returncode == 0, done.stderr
    assert f"{message} -> {one}" in done.stdout and "values replaced:" in done.stdout
    assert "NHS number" in done.stdout and "9434765919" not in done.stdout
    assert cli("mask", str(message), "-o", str(two), "--seed", "s3cret").returncode == 0
    assert one.read_bytes() == two.read_bytes()
    assert b"9434765919" not in one.read_bytes()
    to_stdout = cli("mask", str(message), "--seed", "s3cret")
    assert to_stdout.stdout.encode() == one.read_bytes() and "values replaced" in to_stdout.stderr


def test_mask_several_files_needs_an_out_dir_and_never_overwrites_the_original(cli, tmp_path: Path) -> None:
    message, infrastructure, _ = _conversation(tmp_path)
    assert cli("mask", str(message), str(infrastructure)).returncode == 2
    out = tmp_path / "out"
    out.mkdir()
    done = cli("mask", str(message), str(infrastructure), "--out-dir", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert [Path(s["output"]).name for s in summary] == ["message.xml", "inf.xml"]
    assert summary[0]["counts"]["NHS number"] >= 1
    original = message.read_bytes()
    refused = cli("mask", str(message), "-o", str(message))
    assert refused.returncode == 2 and "overwrite the original" in refused.stderr
    assert message.read_bytes() == original


@pytest.mark.corpus
def test_mask_a_real_message_validates_with_the_same_errors(cli, tmp_path: Path) -> None:
    masked = tmp_path / "masked.xml"
    done = cli("mask", str(require_shared(ITK009D)), "-o", str(masked), "--seed", "1")
    assert done.returncode == 0, done.stderr
    text = masked.read_text(encoding="utf-8")
    assert "9690937278" not in text and "RAFFLE" not in text.upper()
    numbers = re.findall(r'nhs-number"/>\s*<value value="(\d{10})"', text)
    assert numbers and all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)

    def errors(path: Path) -> list[tuple[str, str, str]]:
        report = json.loads(cli("validate", str(path), "--format", "json").stdout)
        return sorted(
            (i["layer"], i["rule"], i["path"]) for i in report["issues"] if i["severity"] in ("error", "fatal")
        )

    assert errors(masked) == errors(ITK009D)


# ---- report ----------------------------------------------------------------------------------


def test_report_is_one_self_contained_html_file(cli, tmp_path: Path) -> None:
    message, infrastructure, _ = _conversation(tmp_path)
    bad = _write(
        tmp_path, "bad.xml", message.read_bytes().replace(b'<type value="message"/>', b'<type value="<&>"/>', 1)
    )
    output = tmp_path / "report.html"
    done = cli("report", str(message), str(infrastructure), str(bad), "-o", str(output))
    assert done.returncode == 2, done.stdout + done.stderr  # bad.xml is not well-formed
    assert "3 files: 2 valid, 0 invalid, 1 unreadable" in done.stdout
    page = output.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page), "no external scripts, styles or images"
    assert "url(" not in page and "@import" not in page
    assert "This is an ITK Response." in page and "20013 Success: infrastructure, positive" in page
    assert "syntax-unreadable" in page and "10009" in page
    assert 'type value="<&>"' not in page, "source text is escaped"
    from lxml import etree

    etree.fromstring(page.encode(), etree.HTMLParser(recover=False))


@pytest.mark.corpus
def test_report_names_every_finding_validate_reports(cli, tmp_path: Path) -> None:
    folder = require_shared(EXAMPLES)
    output = tmp_path / "all.html"
    done = cli("report", str(folder), "-o", str(output))
    assert done.returncode == 2, done.stderr  # some examples are not well-formed
    page = html.unescape(output.read_text(encoding="utf-8"))
    validated = json.loads(cli("validate", str(folder), "--format", "json").stdout)
    assert len(validated) > 300
    sections = page.split('<section class="file"')[1:]
    assert len(sections) == len(validated)
    for report, section in zip(validated, sections, strict=True):
        assert report["file"] in section
        for issue in report["issues"]:
            assert issue["rule"] in section and issue["message"] in section, (report["file"], issue["rule"])
            if issue["path"]:
                assert issue["path"] in section


# ---- evidence --------------------------------------------------------------------------------


def test_evidence_pack_holds_the_original_bytes_responses_report_diagram_and_a_true_manifest(
    cli, tmp_path: Path
) -> None:
    message, infrastructure, business = _conversation(tmp_path)
    pack_path = tmp_path / "pack.zip"
    done = cli("evidence", str(message), str(infrastructure), str(business), "-o", str(pack_path))
    assert done.returncode == 0, done.stderr
    assert "Conversation: rejected (30002)" in done.stdout
    pack = pack_path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        names = archive.namelist()
        assert archive.read("message/message.xml") == message.read_bytes()
        assert archive.read("responses/01-inf.xml") == infrastructure.read_bytes()
        assert archive.read("responses/02-bus.xml") == business.read_bytes()
        svg = archive.read("conversation.svg").decode()
        assert svg.count("<line") >= 3 + 2 and "30002" in svg
        report = json.loads(archive.read("report.json"))
        assert [Path(f["file"]).name for f in report["files"]] == ["message.xml", "01-inf.xml", "02-bus.xml"]
        assert report["files"][2]["response"]["code"] == "30002"
        assert json.loads(archive.read("versions.json"))["workbench"]
        listed = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
        assert set(listed) == set(names) - {"SHA256SUMS"}
        for name, digest in listed.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert check_manifest(pack) == []


def test_evidence_without_responses_draws_the_simulated_round_trip(cli, tmp_path: Path) -> None:
    message, _, _ = _conversation(tmp_path)
    pack_path = tmp_path / "pack.zip"
    done = cli("evidence", str(message), "-o", str(pack_path))
    assert done.returncode == 0 and "Simulated round trip: complete" in done.stdout
    with zipfile.ZipFile(pack_path) as archive:
        assert json.loads(archive.read("conversation.json"))["simulated"] is True
    bare = cli("evidence", str(message), "-o", str(pack_path), "--no-simulation")
    assert "conversation.svg" not in bare.stdout
    missing = cli("evidence", str(tmp_path / "absent.xml"), "-o", str(pack_path))
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.corpus
def test_evidence_of_a_real_message(cli, tmp_path: Path) -> None:
    pack_path = tmp_path / "pack.zip"
    assert cli("evidence", str(require_shared(OPL)), "-o", str(pack_path)).returncode == 0
    pack = pack_path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        assert archive.read(f"message/{OPL.name}") == OPL.read_bytes()
    assert check_manifest(pack) == []


# ---- the commands are registered -------------------------------------------------------------


def test_help_lists_the_toolkit_commands(cli) -> None:
    done = cli("--help")
    for name in ("diff", "mask", "report", "evidence"):
        assert name in done.stdout
    assert "FACTS" not in done.stdout
    for name in ("ack", "validate", "diff", "mask", "report", "evidence"):
        helped = cli(name, "--help")
        assert helped.returncode == 0 and "FACTS" not in helped.stdout and "§" not in helped.stdout
