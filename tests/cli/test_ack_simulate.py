"""``itk-workbench ack`` and ``itk-workbench simulate`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, XSD, require_shared
from lxml import etree

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import read_file, render
from workbench.core.itk3.view import message_view

OPL = EXAMPLES / "FHIR_MESH" / "test_messages" / "ToC-WT02-04-op_letter_full_payload_example_01-corrected.xml"


def write_sample(folder: Path, name: str = "message.xml", **kw: object) -> tuple[Path, str]:
    document = sample_message(clock=VirtualClock(), ids=SequentialIds("cli"), **kw)  # type: ignore[arg-type]
    path = folder / name
    path.write_bytes(render(document, "xml"))
    return path, message_view(document).message_id or ""


def xsd_valid(path: Path) -> bool:
    schema = etree.XMLSchema(etree.parse(str(require_shared(XSD))))
    return schema.validate(etree.parse(str(path)))


# ---- ack --------------------------------------------------------------------------------------


def test_ack_writes_both_responses_and_explains(cli, tmp_path: Path) -> None:
    message, message_id = write_sample(tmp_path)
    out = tmp_path / "out"
    done = cli("ack", str(message), "-o", str(out))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"{message_id}-business-30001.xml", f"{message_id}-infrastructure-20013.xml"]
    assert "InfAckRequested=true: infrastructure Response 20013 sent" in done.stdout
    assert "business Response 30001 sent" in done.stdout
    for path in out.iterdir():
        view = message_view(read_file(path))
        assert view.response_identifier == message_id
        assert xsd_valid(path)


def test_ack_json(cli, tmp_path: Path) -> None:
    message, message_id = write_sample(tmp_path)
    done = cli("ack", str(message), "-o", str(tmp_path / "out"), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["message_id"] == message_id
    assert [r["code"] for r in data["responses"]] == ["20013", "30001"]
    assert len(data["files"]) == 2 and all(Path(f).exists() for f in data["files"])
    assert data["reasons"]


def test_ack_unreadable_message_gets_10009(cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Bundle xmlns='http://hl7.org/fhir'><id value='1'/>")
    out = tmp_path / "out"
    done = cli("ack", str(broken), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (written,) = out.iterdir()
    assert written.name == "UNREADABLE-IN-ORIGINAL-MESSAGE-infrastructure-10009.xml"
    assert message_view(read_file(written)).response_identifier == "UNREADABLE-IN-ORIGINAL-MESSAGE"
    assert "10009" in done.stdout


def test_ack_fire_and_forget_writes_nothing(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path, inf_ack=False, bus_ack=False)
    out = tmp_path / "out"
    done = cli("ack", str(message), "-o", str(out))
    assert done.returncode == 0
    assert list(out.iterdir()) == []
    assert "decision: no Response" in done.stdout


@pytest.mark.parametrize(
    ("options", "files"),
    [
        (["--force", "20003"], ["infrastructure-20003"]),
        (["--force", "none"], []),
        (["--business", "30002"], ["business-30002", "infrastructure-20013"]),
        (["--force", "30004"], ["business-30004", "infrastructure-20013"]),
    ],
)
def test_ack_forced_outcomes(cli, tmp_path: Path, options: list[str], files: list[str]) -> None:
    message, message_id = write_sample(tmp_path)
    out = tmp_path / "out"
    done = cli("ack", str(message), "-o", str(out), *options)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"{message_id}-{f}.xml" for f in files]


def test_ack_malformed_response_has_no_identifier(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    out = tmp_path / "out"
    done = cli("ack", str(message), "-o", str(out), "--force", "malformed")
    assert done.returncode == 0
    (written,) = out.iterdir()
    assert message_view(read_file(written)).response_identifier is None
    assert "[missing-identifier]" in done.stdout


def test_ack_with_receiver_settings(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    settings = tmp_path / "receiver.toml"
    settings.write_text('known_senders = ["A11"]\nsyntax = "json"\n')
    out = tmp_path / "out"
    done = cli("ack", str(message), "--receiver", str(settings), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (written,) = out.iterdir()
    assert written.name.endswith("-infrastructure-20003.json")
    assert "20003: sender ODS SND01 is not in the known senders list" in done.stdout


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["missing.xml"], "no such file"),
        (["MESSAGE", "--force", "banana"], "forced outcome 'banana'"),
        (["MESSAGE", "--business", "20013"], "not a business response code"),
        (["MESSAGE", "--receiver", "absent.toml"], "absent.toml: no such file"),
    ],
)
def test_ack_unusable_input_exits_2(cli, tmp_path: Path, options: list[str], words: str) -> None:
    message, _ = write_sample(tmp_path)
    args = [
        str(message) if o == "MESSAGE" else (str(tmp_path / o) if o.endswith((".xml", ".toml")) else o) for o in options
    ]
    done = cli("ack", *args, "-o", str(tmp_path / "out"))
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr


def test_ack_bad_settings_file_exits_2(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    settings = tmp_path / "bad.toml"
    settings.write_text("colour = 'blue'\n")
    done = cli("ack", str(message), "--receiver", str(settings), "-o", str(tmp_path))
    assert done.returncode == 2 and "unknown setting 'colour'" in done.stderr


@pytest.mark.corpus
def test_ack_on_a_real_message(cli, tmp_path: Path) -> None:
    path = require_shared(OPL)
    done = cli("ack", str(path), "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.iterdir())
    assert [p.name.split("-")[-1] for p in written] == ["30001.xml", "20013.xml"]
    assert all(xsd_valid(p) for p in written)


# ---- simulate ------------------------------------------------------------------------------------


def test_simulate_full_round_trip(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    done = cli("simulate", str(message))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    arrows = [line for line in lines if "->" in line]
    assert len(arrows) == 4
    assert "Sender -> Receiver  message: ITK003D" in arrows[0]
    assert "Receiver -> Sender  response: 20013 Success" in arrows[1]
    assert "Receiver -> Sender  response: 30001" in arrows[2]
    assert "Sender -> Receiver  ack-of-ack: 20013 Success" in arrows[3]
    assert lines[-1] == "final state: complete (Responses received: 20013, 30001)"


def test_simulate_rejected_exits_1(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    done = cli("simulate", str(message), "--force", "20003")
    assert done.returncode == 1
    assert "final state: rejected (20003)" in done.stdout


def test_simulate_without_ack_of_ack_leaves_the_receiver_waiting(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    done = cli("simulate", str(message), "--no-ack-of-ack", "--timeout", "30")
    assert done.returncode == 1
    assert "final state: complete" in done.stdout
    assert "got no infrastructure Response back (overdue)" in done.stdout


def test_simulate_no_response_goes_overdue(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path)
    done = cli("simulate", str(message), "--force", "none", "--timeout", "5", "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["final_state"] == "overdue"
    assert data["events"][-1]["kind"] == "overdue" and data["events"][-1]["time"] == 5


def test_simulate_technical_only_is_accepted(cli, tmp_path: Path) -> None:
    message, _ = write_sample(tmp_path, bus_ack=False)
    done = cli("simulate", str(message), "--latency", "0")
    assert done.returncode == 0
    assert "final state: accepted (Responses received: 20013)" in done.stdout


def test_simulate_unusable_input_exits_2(cli, tmp_path: Path) -> None:
    assert cli("simulate", str(tmp_path / "nope.xml")).returncode == 2
    message, _ = write_sample(tmp_path)
    assert cli("simulate", str(message), "--timeout", "0").returncode == 2
