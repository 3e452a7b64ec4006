"""Report data, the HTML report and evidence packs, in the core (what the GUI's Export Report and
Export Evidence use)."""

from __future__ import annotations

import io
import json
import zipfile

from workbench.core.acks.sample import sample_message
from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.toolkit.evidence import build_evidence, check_manifest, conversation_events
from workbench.core.toolkit.report import file_report, verdict_text, versions
from workbench.core.toolkit.report_html import render_report_html
from workbench.core.validation.runner import Validator

HOSTILE = (
    b'<Patient xmlns="http://hl7.org/fhir"><id value="p"/>'
    b'<gender value="&lt;script&gt;alert(1)&lt;/script&gt;"/></Patient>'
)


def _message() -> bytes:
    return render(sample_message(clock=VirtualClock(), ids=SequentialIds("report")), "xml")


def test_verdicts_in_words() -> None:
    validator = Validator()
    report = validator.validate_bytes(_message())
    assert verdict_text(report) == "valid (no findings); receiver would answer 20013 Success"
    partial = Validator(layers=("structure", "itk3")).validate_bytes(_message())
    assert verdict_text(partial, ("structure", "itk3")) == (
        "valid (no findings) in the structure and itk3 layers; other layers not run, so no receiver answer is predicted"
    )
    broken = validator.validate_bytes(b"<Bundle", "broken.xml")
    assert verdict_text(broken, ("itk3",)).startswith("unreadable (1 fatal error); receiver would answer 10009")


def test_hostile_values_are_escaped_and_findings_show_their_source_lines() -> None:
    report = file_report(HOSTILE, "hostile.xml", Validator(layers=("structure",)))
    assert report.issues and report.excerpts
    excerpt = report.excerpts[next(iter(report.excerpts))]
    assert excerpt.first == 1 and excerpt.marked == 1
    page = render_report_html([report], title="<b>title</b>", versions=versions(Validator()))
    assert "<script>alert" not in page and "<b>title</b>" not in page
    assert "&lt;b&gt;title&lt;/b&gt;" in page and "struct-code" in page
    assert page.count("<script>") == 1  # the report's own filter script, nothing else
    assert "ITK-ResponseCodes-1" in page  # the versions of what judged it


def test_a_long_line_is_cut_around_the_finding() -> None:
    padding = "x" * 5000
    data = f'{{"resourceType": "Patient", "id": "p", "text": {{"div": "{padding}"}}, "gender": "femal"}}'.encode()
    report = file_report(data, "long.json", Validator(layers=("structure",)))
    page = render_report_html([report])
    assert "femal" in page and padding not in page and "…" in page


def test_evidence_pack_manifest_detects_a_changed_file() -> None:
    pack = build_evidence(("message.xml", _message()), created=None, simulate=False)
    assert pack.conversation is None and "conversation.svg" not in pack.names
    assert check_manifest(pack.data) == []
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack.data)) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            target.writestr(name, body + b" " if name == "report.json" else body)
    assert check_manifest(tampered.getvalue()) == ["report.json: its SHA-256 does not match"]


def test_a_response_to_another_message_is_an_anomaly_on_the_diagram() -> None:
    from workbench.core.acks.builder import Responder, build_response

    clock, ids = VirtualClock(), SequentialIds("other")
    other = sample_message(clock=clock, ids=ids)
    response = build_response(other, "20013", Responder("RCV01", "RCV01OT001"), clock=clock, ids=ids)
    conversation = conversation_events(_message(), [render(response.document, "xml")])
    assert conversation.state == "awaiting infrastructure ack"
    kinds = [e.kind for e in conversation.events]
    assert kinds[:2] == ["message", "response"] and "anomaly" in kinds
    assert json.loads(json.dumps(conversation.to_json()))["simulated"] is False
