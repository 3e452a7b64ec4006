"""MESH routing of ITK3 traffic: the WorkflowID each event travels on, and its ``_ACK`` twin.

Every ITK3 flow has a WorkflowID for the message and a separate ``_ACK`` WorkflowID for the
Responses to it; Responses to Responses stay on the ``_ACK`` workflow. The pairs come from the
catalogue (``resources/itk3``).
"""

from __future__ import annotations

from workbench.core.catalogue import catalogue


def workflow_for_event(event_code: str | None) -> str | None:
    """The MESH WorkflowID a message of this event is sent on, if known."""
    pair = catalogue().workflow_for_event(event_code) if event_code else None
    return pair.workflow if pair is not None else None


def response_workflow(workflow_id: str | None, event_code: str | None = None) -> str | None:
    """The WorkflowID for Responses to a message sent on ``workflow_id`` (``X`` -> ``X_ACK``).

    Responses to Responses stay on the ``_ACK`` workflow. An unknown workflow gets ``_ACK``
    appended, as every known pair does; without a workflow the event's pair is used.
    """
    if workflow_id:
        known = catalogue().ack_workflow_for(workflow_id)
        if known:
            return known
        return workflow_id if workflow_id.endswith("_ACK") else f"{workflow_id}_ACK"
    pair = catalogue().workflow_for_event(event_code) if event_code else None
    return pair.ack_workflow if pair is not None else None
