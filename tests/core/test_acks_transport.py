"""The loopback transport and the workflow helpers."""

from __future__ import annotations

import pytest

from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.itk3.routing import response_workflow, workflow_for_event
from workbench.core.transport.base import Envelope, Transport, TransportError, content_type_of
from workbench.core.transport.loopback import LoopbackTransport


def make(latency: float = 0.0) -> tuple[LoopbackTransport, VirtualClock]:
    clock = VirtualClock()
    return LoopbackTransport(clock, SequentialIds("transport"), latency), clock


def test_it_is_a_transport() -> None:
    transport, _ = make()
    assert isinstance(transport, Transport)
    assert not isinstance(object(), Transport)


def test_send_poll_receive_acknowledge() -> None:
    transport, clock = make()
    envelope = Envelope(b"<Bundle/>", "A", "B", "TOC_FHIR_IP_DISCH", "local-1", subject="hello")
    delivery = transport.send(envelope)
    assert delivery.sent_at == delivery.available_at == clock.now()
    assert transport.poll("A") == []
    assert transport.poll("B") == [delivery.transport_id]
    received = transport.receive("B", delivery.transport_id)
    assert received.envelope == envelope
    assert transport.poll("B") == [delivery.transport_id]  # still there until acknowledged
    transport.acknowledge("B", delivery.transport_id)
    assert transport.poll("B") == [] and transport.waiting("B") == 0


def test_latency_on_the_virtual_clock() -> None:
    transport, clock = make(latency=2.5)
    first = transport.send(Envelope(b"1", "A", "B"))
    clock.advance(1)
    second = transport.send(Envelope(b"2", "A", "B"))
    assert transport.poll("B") == []
    assert transport.next_arrival() == first.available_at
    with pytest.raises(TransportError, match="has not reached"):
        transport.receive("B", first.transport_id)
    clock.advance(1.5)
    assert transport.poll("B") == [first.transport_id]
    assert transport.next_arrival() == second.available_at
    clock.advance(1)
    assert transport.poll("B") == [first.transport_id, second.transport_id]
    assert transport.next_arrival() is None


def test_same_time_keeps_send_order() -> None:
    transport, _ = make(latency=1)
    sent = [transport.send(Envelope(bytes([n]), "A", "B")).transport_id for n in range(5)]
    transport.clock.advance(1)  # type: ignore[attr-defined]
    assert transport.poll("B") == sent


def test_errors() -> None:
    transport, _ = make()
    with pytest.raises(TransportError):
        transport.receive("B", "nope")
    with pytest.raises(TransportError):
        transport.acknowledge("B", "nope")
    with pytest.raises(TransportError):
        transport.send(Envelope(b"x", "A", ""))
    with pytest.raises(ValueError):
        LoopbackTransport(VirtualClock(), SequentialIds(), latency=-1)


def test_deterministic() -> None:
    a, _ = make(1)
    b, _ = make(1)
    assert a.send(Envelope(b"x", "A", "B")) == b.send(Envelope(b"x", "A", "B"))


@pytest.mark.parametrize(
    ("workflow", "event", "expected"),
    [
        ("TOC_FHIR_IP_DISCH", None, "TOC_FHIR_IP_DISCH_ACK"),
        ("TOC_FHIR_IP_DISCH_ACK", None, "TOC_FHIR_IP_DISCH_ACK"),
        ("LOCAL_FLOW", None, "LOCAL_FLOW_ACK"),
        ("LOCAL_FLOW_ACK", None, "LOCAL_FLOW_ACK"),
        (None, "ITK003D", "TOC_FHIR_IP_DISCH_ACK"),
        (None, "ITK012M", None),
        (None, None, None),
    ],
)
def test_responses_travel_on_the_ack_workflow(workflow: str | None, event: str | None, expected: str | None) -> None:
    assert response_workflow(workflow, event) == expected


def test_workflow_for_event_and_content_type() -> None:
    assert workflow_for_event("ITK003D") == "TOC_FHIR_IP_DISCH"
    assert workflow_for_event(None) is None
    assert content_type_of(b'  {"resourceType": "Bundle"}') == "application/fhir+json"
    assert content_type_of(b"<Bundle/>") == "application/fhir+xml"
