"""Small helpers to build FHIR content as our element tree (:mod:`workbench.core.tree`).

Children are given in STU3 order by the caller; the writers then produce schema-valid XML and
FHIR JSON from the tree.
"""

from __future__ import annotations

from workbench.core.bundle import UUID_PREFIX
from workbench.core.catalogue import RecipientType, catalogue
from workbench.core.tree import RESOURCE, XHTML, Node


def el(name: str, value: str | None = None, *children: Node | None, url: str | None = None) -> Node:
    """An element with an optional primitive value, extension url and children (None skipped)."""
    node = Node(name, value=value)
    node.url = url
    for child in children:
        if child is not None:
            node.append(child)
    return node


def group(name: str, *children: Node | None) -> Node:
    """A complex element with children only."""
    return el(name, None, *children)


def resource(type_name: str, *children: Node | None) -> Node:
    """A resource node (``Bundle``, ``MessageHeader`` ...) with its elements."""
    node = Node(type_name, RESOURCE)
    for child in children:
        if child is not None:
            node.append(child)
    return node


def entry(resource_node: Node) -> Node:
    """A Bundle entry whose fullUrl is ``urn:uuid:<resource id>``."""
    rid = resource_node.value_at("id")
    return group("entry", el("fullUrl", f"{UUID_PREFIX}{rid}"), group("resource", resource_node))


def meta(profile: str) -> Node:
    """``meta`` claiming one profile."""
    return group("meta", el("profile", profile))


def coding(name: str, system: str, code: str, display: str | None) -> Node:
    """A Coding element (system, code, display)."""
    return group(name, el("system", system), el("code", code), el("display", display) if display else None)


def reference(name: str, target: str) -> Node:
    """A Reference element with a literal reference."""
    return group(name, el("reference", target))


def identifier(system: str | None, value: str) -> Node:
    """An Identifier element (system, value)."""
    return group("identifier", el("system", system) if system else None, el("value", value))


def narrative(xhtml_body: str) -> Node:
    """A generated narrative (``text``) with the given XHTML body (escaped by the caller)."""
    div = Node("div", XHTML, f'<div xmlns="http://www.w3.org/1999/xhtml">{xhtml_body}</div>')
    return group("text", el("status", "generated"), div)


def flag(key: str, value: bool | None) -> Node | None:
    """A handling-specification key with a boolean value (None: the key is left out)."""
    if value is None:
        return None
    return el("extension", None, el("valueBoolean", "true" if value else "false"), url=key)


def handling(
    *,
    bus_ack: bool | None,
    inf_ack: bool | None,
    recipient_type: RecipientType,
    message_definition: str,
    sender_reference: str,
    local_extension: str,
) -> Node:
    """The ITK handling specification extension with its six keys, in the recommended order.

    A flag given as None is left out (an unreadable flag, for negative scenarios).
    """
    urls = catalogue().urls
    return el(
        "extension",
        None,
        flag("BusAckRequested", bus_ack),
        flag("InfAckRequested", inf_ack),
        el(
            "extension",
            None,
            coding("valueCoding", urls.recipient_type_system, recipient_type.code, recipient_type.display),
            url="RecipientType",
        ),
        el("extension", None, reference("valueReference", message_definition), url="MessageDefinition"),
        el("extension", None, el("valueString", sender_reference), url="SenderReference"),
        el("extension", None, el("valueString", local_extension), url="LocalExtension"),
        url=urls.message_handling_extension,
    )


def message_bundle(
    profile: str, identifier_system: str, bundle_id: str, bundle_identifier: str, *entries: Node | None
) -> Node:
    """An ITK3 message Bundle (id, meta.profile, identifier, type ``message``) around its entries."""
    return resource(
        "Bundle",
        el("id", bundle_id),
        meta(profile),
        identifier(identifier_system, bundle_identifier),
        el("type", "message"),
        *entries,
    )


def urn(rid: str) -> str:
    """``urn:uuid:<rid>``."""
    return f"{UUID_PREFIX}{rid}"
