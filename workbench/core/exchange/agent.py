"""ITK3 over a transport, with every message kept: send, poll, auto-respond, retry, track.

An :class:`Exchange` is one mailbox's side of ITK3 traffic over a
:class:`~workbench.core.transport.base.Transport` (MESH, or a MESH client's folders), with a
:class:`~workbench.core.store.MessageStore`:

* :meth:`Exchange.send` stores the message (``pending``, with a fresh MESH local id) before it
  hands it to the transport, then marks it ``sent`` with the MESH message id, or ``failed``
  with an error naming what failed. The conversation opens with the tracker's state.
* :meth:`Exchange.poll` downloads what waits in the mailbox. Each message is committed to the
  store (with the auto-responder's decision and its Responses, ``pending``, in the same
  transaction) before it is acknowledged to MESH; then the Responses are sent. A Response is
  correlated with its conversation by replaying the stored conversation through the tracker;
  a business Response that asks for it gets the sender's infrastructure Response (ack-of-ack).
  A message seen again (acknowledged late) is acknowledged, not stored twice.
* :meth:`Exchange.retry` sends what is ``pending`` or ``failed``. Before sending again it asks
  MESH for the message with the same local id, so a message that did reach MESH is never sent
  twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.core.acks.settings import ReceiverSettings
from workbench.core.clock import Clock, IdGenerator, SystemClock, random_ids
from workbench.core.errors import WorkbenchError
from workbench.core.exchange.responder import respond
from workbench.core.exchange.settings import MeshSettings
from workbench.core.itk3.routing import response_workflow
from workbench.core.store import Description, MessageStore, StoredMessage, StoreError, describe
from workbench.core.store.conversations import check_overdue, parse_time, replay_stored
from workbench.core.store.database import stamp
from workbench.core.transport.base import Delivery, Envelope, Transport, TransportError, content_type_of
from workbench.core.validation.runner import Validator

#: Failure kinds after which a message may be sent from the mailbox configured now.
_NEVER_ACCEPTED = ("credentials", "unknown-mailbox")


class ExchangeError(WorkbenchError):
    """A message cannot be sent as asked (no workflow known, no recipient ...)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one outgoing message.

    Attributes:
        row: its stored row, as it is now.
        sent: True when it was handed to the transport this time.
        note: what happened in words (already at MESH, failed: why ...).
    """

    row: StoredMessage
    sent: bool
    note: str = ""

    @property
    def failed(self) -> bool:
        """True when the transport refused or could not be reached."""
        return self.row.state == "failed"


@dataclass
class PollResult:
    """What one poll did.

    Attributes:
        received: rows stored for the messages downloaded.
        outgoing: the Responses and ack-of-acks sent (or failed) because of them.
        duplicates: MESH ids already stored (acknowledged again, not stored twice).
        errors: what went wrong, in words (the mailbox could not be listed, a download failed).
        reports: transport reports about messages this mailbox sent (undeliverable ...).
    """

    received: list[StoredMessage] = field(default_factory=list)
    outgoing: list[Outcome] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


class Exchange:
    """One mailbox's ITK3 traffic over a transport, kept in a store.

    Args:
        store: where every message goes.
        transport: the transport, bound to this mailbox (``transport.mailbox``).
        settings: workflows per event, conversation timeout, where Responses go.
        receiver: the auto-responder's receiver settings (None: the permissive default).
        validator: validates what is stored and what the auto-responder decides on.
        transport_name: what the store records as the transport (``mesh``, ``folder``).
    """

    def __init__(
        self,
        store: MessageStore,
        transport: Transport,
        settings: MeshSettings | None = None,
        *,
        receiver: ReceiverSettings | None = None,
        validator: Validator | None = None,
        transport_name: str = "mesh",
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.settings = settings or MeshSettings()
        self.receiver = receiver or ReceiverSettings()
        self.validator = validator or Validator()
        self.transport_name = transport_name
        self.clock = clock or SystemClock()
        self.ids = ids or random_ids

    @property
    def mailbox(self) -> str:
        """This mailbox."""
        return str(self.transport.mailbox)  # type: ignore[attr-defined]

    def _now(self) -> str:
        return stamp(self.clock.now())

    # ---- sending -------------------------------------------------------------------------

    def send(self, data: bytes, to: str, *, workflow: str | None = None, name: str | None = None) -> Outcome:
        """Store a message, then send it; the outcome says whether it went.

        Raises:
            ExchangeError: no recipient, or no workflow given or known for its event.
        """
        if not to:
            raise ExchangeError("no recipient mailbox given")
        description = describe(data, self.validator, name)
        chosen = workflow or self.settings.workflow_for(description.event)
        if not chosen:
            what = f"event {description.event}" if description.event else "this message (its event cannot be read)"
            raise ExchangeError(f"no MESH workflow is known for {what}; give one with --workflow")
        row = self._store_outgoing(data, description, to, chosen, None, name=name)
        return self._transmit(row)

    def _store_outgoing(
        self,
        data: bytes,
        description: Description,
        to: str,
        workflow: str | None,
        kind: str | None,
        *,
        name: str | None = None,
        conversation: str | None = None,
    ) -> StoredMessage:
        """Add an outgoing row (``pending``) with a fresh local id and its opening state."""
        now = self._now()
        columns: dict[str, Any] = {
            "direction": "out",
            "transport": self.transport_name,
            "state": "pending",
            "mailbox": self.mailbox,
            "peer": to,
            "workflow_id": workflow,
            "local_id": f"itkwb-{self.ids()}",
            "subject": _subject(description),
            "name": name,
            "created_at": now,
            "conversation": conversation or self.store.conversation_for(description),
        }
        if kind:
            columns["kind"] = kind
        with self.store.transaction():
            row = self.store.add(data, description, **columns)
            row = self._refresh(row.conversation, only=row.id) or row
        return row

    def _transmit(self, row: StoredMessage) -> Outcome:
        """Hand a stored outgoing row to the transport; record the result."""
        data = self.store.data(row)
        envelope = Envelope(
            data,
            self.mailbox,
            row.peer or "",
            row.workflow_id,
            row.local_id,
            content_type_of(data),
            row.subject,
            _file_name(row, data),
        )
        attempts = row.attempts + 1
        try:
            delivery = self.transport.send(envelope)
        except TransportError as exc:
            kind = getattr(exc, "kind", "failed")
            failed = self.store.update(row.id, state="failed", error=str(exc), error_kind=kind, attempts=attempts)
            return Outcome(failed, False, str(exc))
        sent = self.store.update(
            row.id,
            state="sent",
            mailbox=self.mailbox,
            mesh_message_id=delivery.transport_id,
            sent_at=stamp(delivery.sent_at),
            error=None,
            error_kind=None,
            attempts=attempts,
        )
        self._refresh(sent.conversation, only=sent.id)
        return Outcome(self.store.get(sent.id) or sent, True)

    def retry(self, row_ids: Iterable[int] | None = None) -> list[Outcome]:
        """Send again what is ``pending`` or ``failed`` (this mailbox's, or the rows named).

        A message MESH already has under its local id is marked sent, not sent again.
        """
        if row_ids is None:
            rows = [r for r in self.store.outstanding() if self._may_send(r)]
        else:
            rows = [r for r in (self.store.get(i) for i in row_ids) if r is not None]
        outcomes = []
        for row in rows:
            if row.direction != "out":
                outcomes.append(Outcome(row, False, "received, not sent: nothing to retry"))
                continue
            if row.state not in ("pending", "failed"):
                outcomes.append(Outcome(row, False, f"already {row.state}: not sent again"))
                continue
            found = self._already_sent(row)
            if found is not None:
                updated = self.store.update(
                    row.id, state="sent", mesh_message_id=found, mailbox=self.mailbox, error=None, error_kind=None
                )
                self._refresh(updated.conversation, only=updated.id)
                outcomes.append(Outcome(updated, False, f"MESH already has it as {found}: not sent again"))
                continue
            outcomes.append(self._transmit(row))
        return outcomes

    def retry_due(self, base: float = 10.0, cap: float = 900.0) -> list[int]:
        """Ids of this mailbox's outstanding rows whose back-off has passed (for automatic retries).

        After ``n`` failed attempts a row waits ``min(cap, base * 2 ** (n - 1))`` seconds from its
        last attempt; a row never attempted (``pending``) is due at once.
        """
        now = self.clock.now()
        due = []
        for row in self.store.outstanding():
            if not self._may_send(row):
                continue
            last = parse_time(row.updated_at) if row.attempts else None
            wait = backoff(row.attempts, base, cap)
            if last is None or (now - last).total_seconds() >= wait:
                due.append(row.id)
        return due

    def _may_send(self, row: StoredMessage) -> bool:
        """A row this mailbox may send: its own, or a message no mailbox ever accepted."""
        if row.mailbox == self.mailbox:
            return True
        return row.kind == "message" and row.error_kind in _NEVER_ACCEPTED

    def _already_sent(self, row: StoredMessage) -> str | None:
        if row.mesh_message_id:
            return row.mesh_message_id
        finder = getattr(self.transport, "find_sent", None)
        if finder is None or not row.local_id or row.mailbox != self.mailbox:
            return None
        try:
            return finder(row.local_id)
        except TransportError:
            return None  # cannot tell: the send below reports the same failure

    # ---- receiving -----------------------------------------------------------------------

    def poll(self, *, auto_respond: bool = False, track: bool = True) -> PollResult:
        """Download, store, acknowledge and (with ``auto_respond``) answer what is waiting."""
        result = PollResult()
        try:
            waiting = self.transport.poll(self.mailbox)
        except TransportError as exc:
            result.errors.append(str(exc))
            return result
        for transport_id in waiting:
            self._take(transport_id, auto_respond, result)
        if track:
            self.track()
        self.mark_overdue()
        return result

    def _take(self, transport_id: str, auto_respond: bool, result: PollResult) -> None:
        if self.store.find(mesh_message_id=transport_id, direction="in", mailbox=self.mailbox):
            if self._acknowledge(transport_id, result):
                result.duplicates.append(transport_id)
            return
        try:
            delivery = self.transport.receive(self.mailbox, transport_id)
        except TransportError as exc:
            result.errors.append(str(exc))
            return
        if delivery.message_type == "REPORT":
            result.reports.append(self._report(delivery))
            self._acknowledge(transport_id, result)
            return
        try:
            row, outgoing = self._commit_received(delivery, auto_respond)
        except StoreError as exc:  # not stored, so not acknowledged: it stays in the mailbox
            result.errors.append(f"message {transport_id} was not stored, so it stays in the mailbox: {exc}")
            return
        result.received.append(row)
        if self._acknowledge(transport_id, result):
            row = self.store.update(row.id, state="acknowledged", acknowledged_at=self._now())
            result.received[-1] = row
        for pending in outgoing:
            result.outgoing.append(self._transmit(pending))

    def _acknowledge(self, transport_id: str, result: PollResult) -> bool:
        try:
            self.transport.acknowledge(self.mailbox, transport_id)
        except TransportError as exc:
            result.errors.append(f"{exc} (it is stored; it will be acknowledged at the next poll)")
            return False
        return True

    def _commit_received(self, delivery: Delivery, auto_respond: bool) -> tuple[StoredMessage, list[StoredMessage]]:
        """Store a received message, and what answers it, in one transaction."""
        envelope = delivery.envelope
        data = envelope.data
        description = describe(data, self.validator, envelope.filename)
        outgoing: list[StoredMessage] = []
        with self.store.transaction():
            kind = "message"
            if description.is_response:
                answered = self.store.find(message_id=description.response_to, direction="out", mailbox=self.mailbox)
                kind = "ack-of-ack" if any(r.kind == "response" for r in answered) else "response"
            row = self.store.add(
                data,
                description,
                direction="in",
                transport=self.transport_name,
                kind=kind,
                state="received",
                mailbox=self.mailbox,
                peer=envelope.from_mailbox,
                workflow_id=envelope.workflow_id,
                mesh_message_id=delivery.transport_id,
                local_id=envelope.local_id,
                subject=envelope.subject,
                name=envelope.filename,
                received_at=self._now(),
                conversation=self.store.conversation_for(description),
            )
            if kind == "response":
                outgoing.extend(self._answer_response(row, data))
            elif kind == "message" and auto_respond:
                outgoing.extend(self._auto_respond(row, data))
            self._refresh(row.conversation)
        return self.store.get(row.id) or row, outgoing

    def _auto_respond(self, row: StoredMessage, data: bytes) -> list[StoredMessage]:
        answer = respond(
            self.store,
            row,
            data,
            self.receiver,
            mailbox=self.mailbox,
            reply_to=self.settings.reply_to,
            clock=self.clock,
            ids=self.ids,
            validator=self.validator,
        )
        self.store.update(
            row.id,
            decision=answer.decision_json(),
            accepted=int(answer.decision.accepted and answer.decision.readable),
            documents=json.dumps(list(answer.documents)),
        )
        rows = []
        for response, target in answer.responses:
            described = describe(response.data, self.validator)
            rows.append(
                self._store_outgoing(
                    response.data, described, target, answer.workflow_id, "response", conversation=row.conversation
                )
            )
        return rows

    def _answer_response(self, row: StoredMessage, data: bytes) -> list[StoredMessage]:
        """Correlate a Response with its conversation; the ack-of-ack to send, if one is due."""
        rows = [r for r in self.store.conversation(row.conversation or "") if r.mailbox == self.mailbox]
        prior = [r for r in rows if r.id != row.id]
        done = replay_stored(
            self.store, prior, timeout=self.settings.conversation_timeout, ids=self.ids, validator=self.validator
        )
        original = next((r for r in prior if r.kind == "message" and r.direction == "out"), None)
        ods = (original.sender or "").split(",")[0] if original is not None and original.sender else None
        done.sender.settings = replace(
            done.sender.settings, ack_of_ack=True, mailbox=self.mailbox, ods_code=ods or done.sender.settings.ods_code
        )
        done.clock.when = self.clock.now()
        receipt = done.sender.receive(data, from_mailbox=row.peer)
        if receipt.ack is None:
            return []
        target = row.peer or receipt.ack.to_mailbox or ""
        described = describe(receipt.ack.data, self.validator)
        workflow = response_workflow(row.workflow_id)
        return [
            self._store_outgoing(
                receipt.ack.data, described, target, workflow, "ack-of-ack", conversation=row.conversation
            )
        ]

    def _report(self, delivery: Delivery) -> str:
        """A transport's report about a message this mailbox sent: mark it failed."""
        why = delivery.status or "the transport could not deliver it"
        local = delivery.envelope.local_id
        rows = self.store.find(local_id=local, direction="out") if local else []
        for row in rows:
            self.store.update(row.id, state="failed", error=f"MESH could not deliver it: {why}", error_kind="refused")
        which = f"message {local}" if local else "a message"
        return f"report for {which}: {why}"

    # ---- conversations and delivery ------------------------------------------------------

    def _refresh(self, conversation: str | None, only: int | None = None) -> StoredMessage | None:
        """Recompute the tracker's state of this mailbox's outgoing rows in a conversation."""
        if not conversation:
            return None
        rows = [r for r in self.store.conversation(conversation) if r.mailbox == self.mailbox]
        done = replay_stored(self.store, rows, timeout=self.settings.conversation_timeout)
        check_overdue(done, self.clock.now())
        changed = None
        for row in rows:
            if row.direction != "out":
                continue
            opened = done.conversation_of(row.id)
            if opened is None:
                continue
            deadline = stamp(opened.deadline)
            if row.conversation_state != opened.state or row.deadline != deadline:
                updated = self.store.update(row.id, conversation_state=opened.state, deadline=deadline)
                changed = updated if row.id == only else changed
        return changed if changed is not None else (self.store.get(only) if only is not None else None)

    def mark_overdue(self) -> int:
        """Mark this mailbox's conversations still awaiting past their deadline as overdue."""
        return self.store.mark_overdue(self.mailbox, self._now())

    def track(self, limit: int = 50) -> int:
        """Ask the transport whether sent messages were delivered (where it can tell)."""
        tracker = getattr(self.transport, "track", None)
        if tracker is None:
            return 0
        changed = 0
        sent = [r for r in self.store.find(direction="out", mailbox=self.mailbox, state="sent") if r.mesh_message_id]
        for row in sent[-limit:]:
            try:
                status = tracker(row.mesh_message_id)
            except TransportError:
                continue
            if str(status.get("status", "")).lower() == "acknowledged":
                record = {"status": "acknowledged", "delivered_at": self._now()}
                self.store.update(row.id, state="delivered", delivery=json.dumps(record))
                changed += 1
        return changed


def backoff(attempts: int, base: float = 10.0, cap: float = 900.0) -> float:
    """Seconds to wait before the next automatic attempt after ``attempts`` failed ones."""
    return 0.0 if attempts <= 0 else min(cap, base * 2 ** (attempts - 1))


def _subject(description: Description) -> str:
    if description.response_code:
        return f"ITK Response {description.response_code}"
    return f"ITK3 {description.event}" if description.event else "ITK3 message"


def _file_name(row: StoredMessage, data: bytes) -> str:
    base = row.message_id or row.local_id or "message"
    return f"{base}.json" if content_type_of(data).endswith("json") else f"{base}.xml"


__all__ = ["Exchange", "ExchangeError", "Outcome", "PollResult", "backoff"]
