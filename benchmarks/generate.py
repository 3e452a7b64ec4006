"""Generate ITK3-like message Bundles of any size, in FHIR XML and JSON, for the benchmarks.

Each message has a MessageHeader with the ITK handling extension, then ``n`` entries cycling
Patient, Observation (with a decimal Quantity and narrative), Encounter and Practitioner.
:func:`big_message` and :func:`unresolved_references` make the huge and hostile shapes
(``benchmarks/hostile.py`` and the hostile-input tests).
"""

from __future__ import annotations

import json
import uuid


def _resources(i: int) -> dict:
    rid = str(uuid.UUID(int=i + 1))
    narrative = {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>Entry {i}</p></div>'}
    kind = i % 4
    if kind == 0:
        return {
            "resourceType": "Patient",
            "id": rid,
            "text": narrative,
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": f"94{i:08d}"}],
            "name": [{"use": "official", "family": "Smith", "given": ["Jo", "Ann"]}],
            "gender": "female",
            "birthDate": "1970-01-0" + str(1 + i % 9),
        }
    if kind == 1:
        return {
            "resourceType": "Observation",
            "id": rid,
            "text": narrative,
            "status": "final",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "27113001", "display": "Body weight"}]},
            "subject": {"reference": f"urn:uuid:{uuid.UUID(int=i)}"},
            "effectiveDateTime": "2024-03-01T09:30:00.000Z",
            "valueQuantity": {
                "value": json.loads("72.50", parse_float=str),
                "unit": "kg",
                "system": "http://unitsofmeasure.org",
                "code": "kg",
            },
        }
    if kind == 2:
        return {
            "resourceType": "Encounter",
            "id": rid,
            "status": "finished",
            "class": {"system": "http://hl7.org/fhir/v3/ActCode", "code": "AMB"},
            "period": {"start": "2024-03-01T09:00:00+00:00", "end": "2024-03-01T10:00:00+00:00"},
        }
    return {
        "resourceType": "Practitioner",
        "id": rid,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": f"G{i:07d}"}],
        "name": [{"family": "Jones", "given": ["Sam"], "prefix": ["Dr"]}],
    }


def message_json(n: int) -> bytes:
    """Return a message Bundle with ``n`` payload entries as FHIR JSON bytes."""
    header = {
        "resourceType": "MessageHeader",
        "id": str(uuid.UUID(int=10**9)),
        "extension": [
            {
                "url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2",
                "extension": [
                    {"url": "BusAckRequested", "valueBoolean": True},
                    {"url": "InfAckRequested", "valueBoolean": True},
                ],
            }
        ],
        "event": {
            "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
            "code": "ITK003D",
            "display": "ITK eDischarge",
        },
        "sender": {"reference": "urn:uuid:" + str(uuid.UUID(int=4))},
        "timestamp": "2024-03-01T09:30:00.000Z",
        "source": {"endpoint": "X26OT112"},
        "focus": [{"reference": "urn:uuid:" + str(uuid.UUID(int=1))}],
    }
    entries = [{"fullUrl": "urn:uuid:" + header["id"], "resource": header}]
    for i in range(n):
        resource = _resources(i)
        entries.append({"fullUrl": "urn:uuid:" + resource["id"], "resource": resource})
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.UUID(int=10**10)),
        "type": "message",
        "identifier": {"value": str(uuid.UUID(int=10**11))},
        "entry": entries,
    }
    text = json.dumps(bundle, indent=2)
    return text.replace('"72.50"', "72.50").encode("utf-8")


def message_xml(n: int) -> bytes:
    """Return the same message as FHIR XML bytes (converted by the workbench's own writer)."""
    from workbench.core.codecs import read_json, write_xml

    return write_xml(read_json(message_json(n)), indent="\t")


def big_message(kind: str, size: int) -> bytes:
    """A message whose bulk is one value: a JSON string, or a base64 Binary in JSON or XML."""
    if kind == "json-string":
        return json.dumps({"resourceType": "Basic", "id": "b1", "code": {"text": "a" * size}}).encode()
    if kind == "json-escapes":  # a narrative-like string full of escapes
        return json.dumps({"resourceType": "Basic", "id": "b1", "code": {"text": 'q"\n' * (size // 6)}}).encode()
    content = "QUJD" * (size // 4)
    if kind == "json-binary":
        return json.dumps(
            {"resourceType": "Binary", "id": "b1", "contentType": "application/pdf", "content": content}
        ).encode()
    return (
        '<Binary xmlns="http://hl7.org/fhir"><id value="b1"/><contentType value="application/pdf"/>'
        f'<content value="{content}"/></Binary>'
    ).encode()


def unresolved_references(count: int, syntax: str) -> bytes:
    """A collection Bundle on one line whose List has ``count`` references to nothing."""
    if syntax == "xml":
        items = "".join(f'<entry><item><reference value="urn:uuid:missing-{i}"/></item></entry>' for i in range(count))
        return (
            '<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="urn:uuid:l1"/>'
            f'<resource><List><id value="l1"/><status value="current"/><mode value="working"/>{items}</List>'
            "</resource></entry></Bundle>"
        ).encode()
    entries = [{"item": {"reference": f"urn:uuid:missing-{i}"}} for i in range(count)]
    listing = {"resourceType": "List", "id": "l1", "status": "current", "mode": "working", "entry": entries}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:l1", "resource": listing}],
    }
    return json.dumps(bundle, separators=(",", ":")).encode()
