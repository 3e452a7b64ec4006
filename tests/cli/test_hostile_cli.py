"""Hostile input from the command line: a clear error or finding and the right exit code, never a traceback.

Every input is generated here; each case is one a hostile-input run once turned into a traceback,
a hang, a lost result or a wrong success.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.itk3.view import message_view

BIG = "9" * 5000  # past Python's 4,300-digit limit for int()


def sample(folder: Path, name: str = "message.xml", *, syntax: str = "xml", extra: str = "") -> tuple[Path, str]:
    """A valid ITK3 message (optionally with ``extra`` XML after the MessageHeader's id)."""
    document = sample_message(clock=VirtualClock(), ids=SequentialIds("hostile"))
    data = render(document, "xml").decode()
    if extra:
        at = data.index("<MessageHeader>") + len("<MessageHeader>")
        at = data.index("</meta>", at) + len("</meta>") if "</meta>" in data[at : at + 2000] else at
        data = data[:at] + extra + data[at:]
    path = folder / name
    path.write_bytes(data.encode() if syntax == "xml" else render(document, "json"))
    return path, message_view(document).message_id or ""


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-2000:]


# ---- numbers, text and settings that used to raise ------------------------------------------------------


def test_a_5000_digit_integer_is_a_finding_in_validate_ack_and_simulate(cli, tmp_path: Path) -> None:
    extension = f'<extension url="http://example.org/n"><valueInteger value="{BIG}"/></extension>'
    message, _ = sample(tmp_path, extra=extension)
    done = cli("validate", str(message), "--format", "json")
    no_traceback(done)
    assert done.returncode == 1
    issues = json.loads(done.stdout)["issues"]
    assert any(i["rule"] == "struct-value" and "out of range" in i["message"] for i in issues)
    for command in (("ack", str(message), "-o", str(tmp_path / "out")), ("simulate", str(message))):
        done = cli(*command)
        no_traceback(done)
        assert done.returncode in (0, 1) and done.stdout


def test_one_bad_file_in_a_folder_keeps_the_others_results(cli, tmp_path: Path) -> None:
    sample(tmp_path, "a-good.xml")
    (tmp_path / "b-huge-number.json").write_text(f'{{"resourceType":"Basic","code":{{"text":"x"}},"id":{BIG}}}')
    (tmp_path / "c-surrogate.json").write_text('{"resourceType":"Basic","id":"\\ud800"}')
    sample(tmp_path, "d-good.json", syntax="json")
    done = cli("validate", str(tmp_path), "--format", "json")
    no_traceback(done)
    reports = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    assert sorted(reports) == ["a-good.xml", "b-huge-number.json", "c-surrogate.json", "d-good.json"]
    assert reports["a-good.xml"]["valid"] and reports["d-good.json"]["valid"]
    assert reports["c-surrogate.json"]["predicted_response"]["code"] == "10009"
    assert done.returncode == 2  # one file could not be read


@pytest.mark.parametrize("command", ["validate", "inspect"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_lone_surrogate_is_a_read_error_with_its_place(cli, tmp_path: Path, command: str, where: str) -> None:
    text = (
        '{"resourceType":"Patient","id":"a\\ud800"}' if where == "value" else '{"resourceType":"Patient","\\udfff":1}'
    )
    path = tmp_path / "surrogate.json"
    path.write_text(text)
    done = cli(command, str(path))
    no_traceback(done)
    assert done.returncode == 2
    assert "half of a surrogate pair" in done.stdout + done.stderr and "line 1" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("delay = inf", "delay must be a number of seconds"),
        ("delay = nan", "delay must be a number of seconds"),
        ("delay = 1e308", "delay must be a number of seconds"),
        ('ods_code = "RCV\\u0000"', "ods_code holds the control character U+0000"),
        ("x = " + "[" * 100_000 + "]" * 100_000, "nest too deeply"),
    ],
)
@pytest.mark.parametrize("command", ["ack", "simulate"])
def test_hostile_receiver_settings_are_refused(cli, tmp_path: Path, setting: str, words: str, command: str) -> None:
    message, _ = sample(tmp_path)
    settings = tmp_path / "receiver.toml"
    settings.write_text(setting)
    output = ("-o", str(tmp_path / "out")) if command == "ack" else ()
    done = cli(command, str(message), "--receiver", str(settings), *output)
    no_traceback(done)
    assert done.returncode == 2 and words in done.stderr


@pytest.mark.parametrize(
    "option", [("--latency", "inf"), ("--timeout", "nan"), ("--latency", "1e308"), ("--timeout", "0")]
)
def test_simulation_times_must_be_usable(cli, tmp_path: Path, option: tuple[str, str]) -> None:
    message, _ = sample(tmp_path)
    done = cli("simulate", str(message), *option)
    no_traceback(done)
    assert done.returncode == 2 and f"{option[0]} must be a number of seconds" in done.stderr


def test_profiles_with_versions_int_cannot_read(cli, tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for number, version in enumerate(("1.²", "1.³")):
        definition = {
            "resourceType": "StructureDefinition",
            "url": "http://example.org/StructureDefinition/V",
            "version": version,
            "name": "V",
            "status": "draft",
            "kind": "resource",
            "type": "Basic",
            "derivation": "constraint",
            "snapshot": {"element": [{"id": "Basic", "path": "Basic", "min": 0, "max": "*"}]},
        }
        (folder / f"v{number}.json").write_text(json.dumps(definition), encoding="utf-8")
    message, _ = sample(tmp_path)
    done = cli("validate", str(message), "--profile", str(folder))
    no_traceback(done)
    assert done.returncode == 0, done.stdout


# ---- input that is not a file of bounded size --------------------------------------------------------


@pytest.mark.parametrize("command", [("validate",), ("inspect",), ("ack",), ("simulate",), ("convert", "--to", "xml")])
def test_an_endless_device_stops_at_the_size_limit(cli, command: tuple[str, ...]) -> None:
    done = cli(command[0], "/dev/zero", *command[1:])
    no_traceback(done)
    assert done.returncode == 2 and "larger than 200 MB" in done.stdout + done.stderr


# ---- wrong output ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"resourceType":5}', "resourceType must be the name of a resource"),
        ('{"resourceType":"Patient","":1}', '"" is not a valid XML element name'),
        ('{"resourceType":"Patient","a b":1}', '"a b" is not a valid XML element name'),
        (
            json.dumps(
                {
                    "resourceType": "Patient",
                    "text": {
                        "status": "generated",
                        "div": '<!DOCTYPE div [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        '<div xmlns="http://www.w3.org/1999/xhtml">&x;</div>',
                    },
                }
            ),
            "the narrative holds a DOCTYPE declaration",
        ),
    ],
)
def test_convert_refuses_what_xml_cannot_carry(cli, tmp_path: Path, text: str, words: str) -> None:
    source = tmp_path / "in.json"
    source.write_text(text)
    out = tmp_path / "out.xml"
    done = cli("convert", str(source), "--to", "xml", "-o", str(out))
    no_traceback(done)
    assert done.returncode == 2 and words in done.stderr and not out.exists()


def test_convert_plain_writes_no_empty_objects(cli, tmp_path: Path) -> None:
    source = tmp_path / "in.xml"
    source.write_text(
        '<Patient xmlns="http://hl7.org/fhir"><id value="p"/><meta><!-- m --></meta>'
        '<active><!-- a --></active><gender value="male"><!-- g --></gender></Patient>'
    )
    done = cli("convert", str(source), "--to", "json", "--plain")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"resourceType": "Patient", "id": "p", "gender": "male"}


# ---- output files -------------------------------------------------------------------------------------


def test_convert_refuses_to_overwrite_its_input(cli, tmp_path: Path) -> None:
    message, _ = sample(tmp_path, "in.xml")
    before = message.read_bytes()
    (tmp_path / "link.xml").symlink_to(message)
    for output in ("in.xml", "link.xml", str(message)):
        done = cli("convert", "in.xml", "--to", "json", "-o", output, cwd=tmp_path)
        assert done.returncode == 2 and "refusing to overwrite" in done.stderr
    assert message.read_bytes() == before and (tmp_path / "link.xml").is_symlink()


def test_ack_refuses_to_overwrite_its_input(cli, tmp_path: Path) -> None:
    message, message_id = sample(tmp_path)
    victim = tmp_path / f"{message_id}-infrastructure-20013.xml"
    message.rename(victim)
    before = victim.read_bytes()
    done = cli("ack", str(victim), "-o", str(tmp_path))
    assert done.returncode == 2 and "refusing to overwrite" in done.stderr
    assert victim.read_bytes() == before


def test_outputs_keep_modes_links_and_fifos(cli, tmp_path: Path) -> None:
    message, _ = sample(tmp_path)
    old = os.umask(0o022)
    try:
        existing = tmp_path / "existing.json"
        existing.write_text("old")
        existing.chmod(0o644)
        assert cli("convert", str(message), "--to", "json", "-o", str(existing)).returncode == 0
        assert stat.S_IMODE(existing.stat().st_mode) == 0o644
        target = tmp_path / "target.json"
        link = tmp_path / "link.json"
        link.symlink_to(target)
        assert cli("convert", str(message), "--to", "json", "-o", str(link)).returncode == 0
        assert link.is_symlink() and target.stat().st_size > 100
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
        assert cli("convert", str(message), "--to", "json", "-o", str(fifo)).returncode == 0
        out, _ = reader.communicate(timeout=60)
        assert json.loads(out)["resourceType"] == "Bundle" and stat.S_ISFIFO(fifo.stat().st_mode)
    finally:
        os.umask(old)


def test_text_output_never_says_none_for_a_column(cli, tmp_path: Path) -> None:
    path = tmp_path / "doctype.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE Patient [<!ENTITY e "x">]>\n<Patient xmlns="http://hl7.org/fhir"/>'
    )
    for fmt in ("text", "junit"):
        done = cli("validate", str(path), "--format", fmt)
        assert done.returncode == 2 and "None" not in done.stdout
    assert "line 2 " in cli("validate", str(path)).stdout


def test_long_names_are_shortened_in_messages(cli, tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"resourceType": "Patient", "-" + "x" * 20_000: "1"}))
    done = cli("validate", str(path))
    assert done.returncode == 1 and "…" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) < 400
    done = cli("convert", str(path), "--to", "xml")
    assert done.returncode == 2 and len(done.stderr) < 400
