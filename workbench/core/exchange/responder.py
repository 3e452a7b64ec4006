"""The auto-responder: the workbench as the receiver on a mailbox, answering as the simulator does.

:func:`respond` decides the Responses for a received message with the same
:func:`~workbench.core.acks.receiver.decide` the loopback simulation uses (same receiver
settings, same validator), remembering what this mailbox accepted before (from the store) so
that a message received twice gets 20007. The Responses are built with this mailbox as their
``source.endpoint`` and travel on the ``_ACK`` workflow of the message's workflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from workbench.core.acks.receiver import Decision, OutgoingResponse, ReceiverState, decide
from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import Clock, IdGenerator
from workbench.core.itk3.routing import response_workflow
from workbench.core.store import MessageStore, StoredMessage
from workbench.core.validation.runner import Validator


@dataclass(frozen=True, slots=True)
class Answer:
    """What the auto-responder decided for one received message.

    Attributes:
        decision: the receiver's decision (codes, reasons, Responses built).
        responses: each Response with the mailbox it goes to.
        workflow_id: the WorkflowID the Responses travel on.
        documents: the document ids the message brought (remembered when it was accepted).
    """

    decision: Decision
    responses: tuple[tuple[OutgoingResponse, str], ...]
    workflow_id: str | None
    documents: tuple[str, ...]

    def decision_json(self) -> str:
        """The decision as stored with the received message."""
        data = self.decision.to_json()
        data["codes"] = list(self.decision.codes)
        data["sent_to"] = [target for _, target in self.responses]
        return json.dumps(data, ensure_ascii=False)


def receiver_state(store: MessageStore, mailbox: str) -> ReceiverState:
    """What the receiver at ``mailbox`` accepted before (MessageHeader ids, document ids)."""
    state = ReceiverState()
    for message_id, documents in store.accepted(mailbox):
        state.remember(message_id, tuple(documents))
    return state


def respond(
    store: MessageStore,
    row: StoredMessage,
    data: bytes,
    settings: ReceiverSettings,
    *,
    mailbox: str,
    reply_to: str,
    clock: Clock,
    ids: IdGenerator,
    validator: Validator | None,
) -> Answer:
    """Decide the Responses for a received message (nothing is stored or sent here).

    ``reply_to`` is ``mesh-sender`` (the Responses go to the mailbox the message came from) or
    ``source-endpoint`` (to its ``MessageHeader.source.endpoint``, as ITK3 says, when readable).
    """
    state = receiver_state(store, mailbox)
    before = set(state.document_ids)
    decision = decide(
        data,
        settings.changed(mailbox=mailbox),
        state,
        clock=clock,
        ids=ids,
        validator=validator,
        reply_to=row.peer,
    )
    documents = tuple(sorted(state.document_ids - before))
    routed = []
    for response in decision.responses:
        target = row.peer or response.to_mailbox or ""
        if reply_to == "source-endpoint" and response.to_mailbox:
            target = response.to_mailbox
        routed.append((response, target))
    reasons = list(decision.reasons)
    endpoint = row.source_endpoint
    if routed and endpoint and endpoint != row.peer:
        chosen = routed[0][1]
        reasons.append(
            f"the Responses go to {chosen} (the {'MESH sender' if chosen == row.peer else 'source.endpoint'}); "
            f"the message's source.endpoint is {endpoint} and it came from MESH mailbox {row.peer}"
        )
    decision = replace(decision, reasons=tuple(reasons))
    workflow = response_workflow(row.workflow_id, decision.event_code)
    return Answer(decision, tuple(routed), workflow, documents)
