"""A transport over a MESH client's folders: ``.dat`` payload and ``.ctl`` control file pairs.

Sites that run the MESH client exchange files with it: the application writes
``<name>.dat`` (the payload) and then ``<name>.ctl`` (the control file: from, to, workflow,
local id, subject) into the mailbox's ``OUT`` folder; the client sends them and moves them to
``SENT``, and puts what arrives into ``IN`` as the same kind of pairs. The layout is the
client's: ``ROOT/<MAILBOX>/OUT``, ``IN``, ``SENT``, ``FAIL``.

:class:`FolderTransport` is that application side for one mailbox (it implements
:class:`~workbench.core.transport.base.Transport`). :func:`relay` does the MESH client's part
between mailboxes under one root (OUT of the sender to IN of the recipient), for a site with
no MESH client or for tests; a pair for a mailbox that has no folder goes to ``FAIL``, and an error report (a control file
of type Report) comes back to the sender's ``IN``.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from workbench.core.clock import Clock, SystemClock
from workbench.core.files import atomic_write
from workbench.core.transport.base import Delivery, Envelope, TransportError, content_type_of

FOLDERS = ("OUT", "IN", "SENT", "FAIL")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Control-file elements in the MESH client's order, and the envelope fields they carry.
_CTL_FIELDS = (
    ("From_DTS", "from_mailbox"),
    ("To_DTS", "to_mailbox"),
    ("Subject", "subject"),
    ("LocalId", "local_id"),
    ("WorkflowId", "workflow_id"),
)


def control_xml(envelope: Envelope, dts_id: str = "", message_type: str = "Data", status: str | None = None) -> bytes:
    """The ``.ctl`` control file for an envelope (the MESH client's DTSControl format)."""
    root = ElementTree.Element("DTSControl")

    def put(tag: str, text: str | None) -> None:
        ElementTree.SubElement(root, tag).text = text or ""

    put("Version", "1.0")
    put("AddressType", "DTS")
    put("MessageType", message_type)
    for tag, attribute in _CTL_FIELDS:
        put(tag, getattr(envelope, attribute))
    put("DTSId", dts_id)
    put("PartnerId", "")
    put("Compress", "N")
    put("Encrypted", "N")
    put("ProcessId", "")
    put("DataChecksum", "")
    put("IsCompressed", "N")
    if status is not None:
        status_record = ElementTree.SubElement(root, "StatusRecord")
        ElementTree.SubElement(status_record, "Status").text = "Error"
        ElementTree.SubElement(status_record, "Description").text = status
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def read_control(path: Path) -> dict[str, str]:
    """The fields of a ``.ctl`` file (tag -> text); a TransportError when it cannot be read."""
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except (OSError, ElementTree.ParseError) as exc:
        raise TransportError(f"{path}: the control file cannot be read ({exc})") from exc
    found = {child.tag: (child.text or "").strip() for child in root}
    record = root.find("StatusRecord")
    if record is not None:
        found["Status"] = (record.findtext("Description") or record.findtext("Status") or "").strip()
    return found


class FolderTransport:
    """One mailbox's folders under a MESH client's data root.

    Args:
        root: the MESH client's data folder (holding one folder per mailbox).
        mailbox: this mailbox (its folders are made when missing).
    """

    def __init__(self, root: str | Path, mailbox: str, clock: Clock | None = None) -> None:
        if not mailbox or _SAFE.search(mailbox):
            raise TransportError(f"{mailbox!r} is not a usable mailbox folder name")
        self.root = Path(root)
        self.mailbox = mailbox
        self.clock = clock or SystemClock()
        for name in FOLDERS:
            self.folder(name).mkdir(parents=True, exist_ok=True)

    def folder(self, name: str) -> Path:
        """``ROOT/<mailbox>/<name>``."""
        return self.root / self.mailbox / name

    def send(self, envelope: Envelope) -> Delivery:
        """Write the pair into OUT (``.dat`` first, then ``.ctl``); its id is the file name."""
        if not envelope.to_mailbox:
            raise TransportError("the message has no recipient mailbox")
        stem = _SAFE.sub("_", envelope.local_id or "")[:80] or uuid.uuid4().hex
        if (self.folder("OUT") / f"{stem}.ctl").exists() or (self.folder("SENT") / f"{stem}.ctl").exists():
            stem = f"{stem}-{uuid.uuid4().hex[:8]}"
        sent = replace(envelope, from_mailbox=self.mailbox)
        try:
            atomic_write(self.folder("OUT") / f"{stem}.dat", sent.data)
            atomic_write(self.folder("OUT") / f"{stem}.ctl", control_xml(sent))
        except OSError as exc:
            raise TransportError(f"cannot write to {self.folder('OUT')}: {exc.strerror or exc}") from exc
        now = self.clock.now()
        return Delivery(stem, sent, now, now)

    def poll(self, mailbox: str | None = None) -> list[str]:
        """The pairs waiting in IN (a ``.ctl`` with its ``.dat``), oldest first."""
        self._own(mailbox)
        inbox = self.folder("IN")
        ready = [p for p in inbox.glob("*.ctl") if p.with_suffix(".dat").exists()]
        ready.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [p.stem for p in ready]

    def receive(self, mailbox: str | None, transport_id: str) -> Delivery:
        """Read a pair from IN (it stays until acknowledged)."""
        self._own(mailbox)
        ctl = self.folder("IN") / f"{transport_id}.ctl"
        if not ctl.exists():
            raise TransportError(f"no message {transport_id} in {self.folder('IN')}")
        fields = read_control(ctl)
        try:
            data = ctl.with_suffix(".dat").read_bytes()
        except OSError as exc:
            raise TransportError(f"cannot read {ctl.with_suffix('.dat')}: {exc.strerror or exc}") from exc
        values = {attribute: fields.get(tag) or None for tag, attribute in _CTL_FIELDS}
        envelope = Envelope(
            data,
            values["from_mailbox"] or "",
            values["to_mailbox"] or self.mailbox,
            values["workflow_id"],
            values["local_id"],
            content_type_of(data),
            values["subject"],
            f"{transport_id}.dat",
        )
        when = datetime.fromtimestamp(ctl.stat().st_mtime, UTC)
        kind = "REPORT" if fields.get("MessageType", "Data").lower() == "report" else "DATA"
        return Delivery(fields.get("DTSId") or transport_id, envelope, when, when, kind, fields.get("Status"))

    def acknowledge(self, mailbox: str | None, transport_id: str) -> None:
        """Remove a pair from IN."""
        self._own(mailbox)
        inbox = self.folder("IN")
        found = [p for p in (inbox / f"{transport_id}.ctl", inbox / f"{transport_id}.dat") if p.exists()]
        if not found:
            # the id may be the DTSId from the control file
            for ctl in inbox.glob("*.ctl"):
                if read_control(ctl).get("DTSId") == transport_id:
                    found = [ctl, ctl.with_suffix(".dat")]
                    break
        if not found:
            raise TransportError(f"no message {transport_id} in {inbox}")
        for path in found:
            path.unlink(missing_ok=True)

    def find_sent(self, local_id: str) -> str | None:
        """The id of a pair written with ``local_id`` (waiting in OUT, or already in SENT)."""
        for name in ("OUT", "SENT"):
            for ctl in self.folder(name).glob("*.ctl"):
                fields = read_control(ctl)
                if fields.get("LocalId") == local_id:
                    return fields.get("DTSId") or ctl.stem
        return None

    def _own(self, mailbox: str | None) -> None:
        if mailbox and mailbox != self.mailbox:
            raise TransportError(f"these folders are mailbox {self.mailbox}'s, not {mailbox}'s")


def relay(root: str | Path) -> int:
    """Do the MESH client's part under ``root``: move every OUT pair to its recipient's IN.

    The recipient's pair gets a DTSId; the sender's pair moves to SENT (with the DTSId). A
    pair for a mailbox with no folder under ``root`` moves to the sender's FAIL, and an error
    report comes back to the sender's IN. Returns how many pairs were delivered.
    """
    base = Path(root)
    delivered = 0
    for outbox in sorted(base.glob("*/OUT")):
        sender = outbox.parent
        for ctl in sorted(outbox.glob("*.ctl")):
            dat = ctl.with_suffix(".dat")
            if not dat.exists():
                continue
            fields = read_control(ctl)
            envelope = Envelope(
                dat.read_bytes(),
                fields.get("From_DTS") or sender.name,
                fields.get("To_DTS") or "",
                fields.get("WorkflowId") or None,
                fields.get("LocalId") or None,
                subject=fields.get("Subject") or None,
            )
            dts_id = f"{datetime.now(UTC):%Y%m%d%H%M%S}{uuid.uuid4().hex[:12].upper()}"
            target = base / envelope.to_mailbox / "IN" if envelope.to_mailbox else None
            if target is None or not target.is_dir():
                fail = sender / "FAIL"
                fail.mkdir(exist_ok=True)
                why = f"the recipient mailbox {envelope.to_mailbox or '(none)'} is not known"
                atomic_write(fail / dat.name, envelope.data)
                atomic_write(fail / ctl.name, control_xml(envelope, dts_id, "Data", why))
                inbox = sender / "IN"  # the error report comes back to the sender, as MESH sends one
                inbox.mkdir(exist_ok=True)
                atomic_write(inbox / f"{dts_id}.dat", b"")
                atomic_write(inbox / f"{dts_id}.ctl", control_xml(envelope, dts_id, "Report", why))
            else:
                atomic_write(target / f"{dts_id}.dat", envelope.data)
                atomic_write(target / f"{dts_id}.ctl", control_xml(envelope, dts_id))
                (sender / "SENT").mkdir(exist_ok=True)
                atomic_write(sender / "SENT" / ctl.name, control_xml(envelope, dts_id))
                os.replace(dat, sender / "SENT" / dat.name)
                delivered += 1
            dat.unlink(missing_ok=True)
            ctl.unlink()
    return delivered
