"""``itk-workbench inspect FILE``: what an ITK3 message says, in plain words or as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import print_json
from workbench.cli.inputs import load_resource
from workbench.core.itk3.view import MessageView, describe_handling, describe_resource, message_view
from workbench.core.stu3.paths import node_path
from workbench.core.toolkit.responses import response_summary
from workbench.core.tree import Document
from workbench.core.words import plural


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "inspect",
        help="summarise an ITK3 message: event, handling keys, parties, payload, attachments",
        description="Summarise FILE: the event, the six handling keys in plain words, sender, "
        "receiver, source endpoint, focus, payload, entries and attachments.",
    )
    parser.add_argument("file", metavar="FILE", help="FHIR XML or JSON file")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    document = load_resource(args.file)
    if document is None:
        return 2
    summary = summarise(document)
    if args.format == "json":
        print_json(summary)
    else:
        print(render_text(summary))
    return 0


def summarise(document: Document) -> dict[str, Any]:
    """The inspect summary as plain data (the JSON output)."""
    view = message_view(document)
    summary: dict[str, Any] = {
        "file": document.path,
        "syntax": document.format,
        "size": len(document.source or b""),
        "root": document.root.name,
        "bundle_type": view.bundle_type,
        "is_itk_message": view.is_message,
        "is_response": view.is_response if view.is_message else False,
    }
    if view.is_message:
        summary["message_id"] = view.message_id
        summary["event"] = {
            "system": view.event_system,
            "code": view.event_code,
            "display": view.event_display,
            "catalogue_display": view.event.display if view.event else None,
        }
        summary["handling"] = {k: {"value": h.value, "type": h.value_element} for k, h in view.handling.items()}
        summary["handling_plain"] = [{"key": label, "value": text} for label, text in describe_handling(view)]
        summary["sender"] = _party(view.sender)
        summary["receiver"] = _party(view.receiver)
        summary["source_endpoint"] = view.source_endpoint
        summary["timestamp"] = view.timestamp
        summary["focus"] = [_party(p) for p in view.focus]
        if view.is_response:
            reading = response_summary(view)
            summary["response"] = {
                "identifier": view.response_identifier,
                "code": view.response_code,
                "itk_codes": view.response_codes,
                "says": reading.to_json() if reading is not None else None,
            }
    summary["payload"] = _payload(view)
    summary["entries"] = [
        {
            "index": e.index,
            "fullUrl": e.full_url,
            "resourceType": e.resource_type,
            "id": e.resource_id,
            "profiles": e.profiles,
        }
        for e in view.entries
    ]
    summary["attachments"] = [
        {"path": node_path(a.node), "contentType": a.content_type, "size": a.size, "name": a.suggested_name}
        for a in view.attachments
    ]
    return summary


def _party(party: Any) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "reference": party.reference,
        "resolved": party.resolution.how if party.resolution.found else None,
        "resource": describe_resource(party.resource) if party.resource is not None else None,
    }


def _payload(view: MessageView) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": view.payload_kind}
    if view.payload is not None:
        payload["resource"] = describe_resource(view.payload)
    composition = view.composition
    if composition is not None:
        payload["composition"] = {
            "title": composition.value_at("title"),
            "type": composition.value_at("type.coding.display") or composition.value_at("type.coding.code"),
            "date": composition.value_at("date"),
        }
    return payload


def render_text(summary: dict[str, Any]) -> str:
    """The inspect summary as text for a terminal."""
    lines = [f"File:        {summary['file']} ({summary['syntax'].upper()}, {summary['size']:,} bytes)"]
    kind = (
        "ITK3 Response"
        if summary.get("is_response")
        else "ITK3 message"
        if summary["is_itk_message"]
        else summary["root"]
    )
    entries = summary["entries"]
    counted = plural(len(entries), "entry", "entries")
    bundle = f" (Bundle type {summary['bundle_type']}, {counted})" if summary["bundle_type"] else ""
    lines.append(f"Content:     {kind}{bundle}")
    if summary["is_itk_message"]:
        event = summary["event"]
        known = event["catalogue_display"]
        note = "" if known is None or known == event["display"] else f"  [code system says: {known}]"
        lines.append(f"Event:       {event['code'] or '(none)'}  {event['display'] or ''}{note}")
        lines.append(f"Message id:  {summary['message_id'] or '(none)'}")
        lines.append("Handling specification:")
        lines.extend(f"  {row['key']}: {row['value']}" for row in summary["handling_plain"])
        for role in ("sender", "receiver"):
            party = summary[role]
            lines.append(f"{role.capitalize() + ':':<12} {_party_text(party)}")
        lines.append(f"Source:      {summary['source_endpoint'] or '(none)'} (sender's MESH mailbox)")
        lines.append(f"Timestamp:   {summary['timestamp'] or '(none)'}")
        for party in summary["focus"]:
            lines.append(f"Focus:       {_party_text(party)}")
        if "response" in summary:
            response = summary["response"]
            says = response.get("says")
            if says is not None:
                level = f"{says['level']}, " if says["level"] else ""
                what = f"{says['code']} {says['display']}" if says["code"] else "no response code"
                lines.append(f"Says:        {what}: {level}{says['outcome']} ({says['kind']})")
                lines.extend(f"             note: {note}" for note in says["notes"])
            lines.append(
                f"Response:    to message {response['identifier']}, code {response['code']}, "
                f"{'ITK code' if len(response['itk_codes']) == 1 else 'ITK codes'} "
                f"{', '.join(response['itk_codes']) or '(none)'}"
            )
    payload = summary["payload"]
    text = payload["kind"]
    if "composition" in payload:
        composition = payload["composition"]
        text += f": {composition['title'] or '(untitled)'} [{composition['type'] or 'no type'}]"
    elif "resource" in payload:
        text += f": {payload['resource']}"
    lines.append(f"Payload:     {text}")
    if entries:
        lines.append("Entries:")
        for e in entries:
            profile = e["profiles"][0].rsplit("/", 1)[-1] if e["profiles"] else "-"
            lines.append(
                f"  [{e['index']}] {e['resourceType'] or '(no resource)':<22} {profile:<40} {e['fullUrl'] or ''}"
            )
    if summary["attachments"]:
        lines.append("Attachments:")
        for a in summary["attachments"]:
            lines.append(f"  {a['contentType'] or '(no content type)'}  {a['size']:,} bytes  {a['path']}")
    return "\n".join(lines)


def _party_text(party: dict[str, Any] | None) -> str:
    if party is None:
        return "(none)"
    if party["resource"] is None:
        return f"{party['reference']} (not found in the message)"
    how = "" if party["resolved"] == "fullUrl" else f" (matched only as {party['resolved']})"
    return f"{party['resource']}  [{party['reference']}]{how}"
