"""A transport over the MESH API through ``mesh-client``: send, poll, download, acknowledge, track.

:class:`MeshConnection` says where and who: the endpoint URL, the mailbox, its password and the
shared key (both :class:`Secret`, which never print their value), a client certificate and CA
file for mutual TLS, and how large payloads are chunked and compressed. :class:`MeshTransport`
implements :class:`~workbench.core.transport.base.Transport` for its own mailbox, plus what
MESH adds: :meth:`MeshTransport.find_sent` (the message sent with a local id, so that a retry
never sends twice) and :meth:`MeshTransport.track` (delivery status).

Every failure becomes a :class:`MeshTransportError` whose :attr:`~MeshTransportError.kind`
says what failed (``unreachable``, ``credentials``, ``unknown-mailbox``, ``unknown-recipient``, ``refused``,
``timeout``, ``tls``, ``not-found``, ``failed``) and whose text names the endpoint, mailbox or
message concerned, and never a secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from workbench.core.clock import Clock, SystemClock
from workbench.core.transport.base import Delivery, Envelope, TransportError

if TYPE_CHECKING:
    from mesh_client import MeshClient

#: Kinds of failure a :class:`MeshTransportError` reports.
FAILURE_KINDS = (
    "unreachable",
    "credentials",
    "unknown-mailbox",
    "unknown-recipient",
    "refused",
    "timeout",
    "tls",
    "not-found",
    "failed",
)


class Secret:
    """A password or key that never shows its value in ``str``, ``repr``, logs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        """The value itself (pass it to the library that needs it, nowhere else)."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret(set)" if self._value else "Secret(empty)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class MeshConnection:
    """Where a MESH mailbox is and how to log in to it.

    Attributes:
        url: the MESH API endpoint (``https://msg.intspineservices.nhs.uk``, or the local
            sandbox's ``http://127.0.0.1:PORT``).
        mailbox: the mailbox id (``X26ABC1``).
        password: the mailbox password.
        shared_key: the environment's shared HMAC key.
        client_cert, client_key: a client certificate and its key (mutual TLS), if needed.
        ca_file: the CA bundle the server's certificate is checked against (None: the system's).
        timeout: seconds to wait for one HTTP exchange.
        max_chunk_size: payloads larger than this are sent in chunks.
        compress_over: payloads larger than this are sent gzip-compressed.
    """

    url: str
    mailbox: str
    password: Secret
    shared_key: Secret
    client_cert: str | None = None
    client_key: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    max_chunk_size: int = 20 * 1024 * 1024
    compress_over: int = 256 * 1024

    def __post_init__(self) -> None:
        if not self.url.strip():
            raise ValueError("the MESH URL is empty")
        if not self.mailbox.strip():
            raise ValueError("the MESH mailbox is empty")
        if self.timeout <= 0 or self.max_chunk_size <= 0 or self.compress_over < 0:
            raise ValueError("timeout and chunk size must be positive")

    @property
    def shown_url(self) -> str:
        """The URL without any user name or password in it (for messages)."""
        return shown_url(self.url)

    def for_mailbox(self, mailbox: str, password: Secret | None = None) -> MeshConnection:
        """The same endpoint for another mailbox."""
        return replace(self, mailbox=mailbox, password=password if password is not None else self.password)


def shown_url(url: str) -> str:
    """``url`` with any ``user:password@`` removed."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class MeshTransportError(TransportError):
    """A MESH call failed; :attr:`kind` says how (one of :data:`FAILURE_KINDS`)."""

    def __init__(self, message: str, kind: str = "failed", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status

    def __str__(self) -> str:
        return self.message


class MeshTransport:
    """One MESH mailbox over the MESH API (implements the Transport protocol).

    The mesh-client session is made on first use and closed by :meth:`close` (or ``with``).
    mesh-client's own retries are off: a failure is reported at once, and the caller decides
    when to try again.
    """

    def __init__(self, connection: MeshConnection, clock: Clock | None = None) -> None:
        self.connection = connection
        self.clock = clock or SystemClock()
        self._client: MeshClient | None = None

    @property
    def mailbox(self) -> str:
        """The mailbox this transport sends from and receives at."""
        return self.connection.mailbox

    def __enter__(self) -> MeshTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session (a later call opens a new one)."""
        if self._client is not None:
            client, self._client = self._client, None
            client.close()

    def _mesh(self) -> MeshClient:
        if self._client is None:
            from mesh_client import MeshClient  # imported on first use: the CLI starts faster

            c = self.connection
            cert: Any = None
            if c.client_cert:
                cert = (c.client_cert, c.client_key) if c.client_key else (c.client_cert,)
            with self._calling("connect to"):
                self._client = MeshClient(
                    c.url,
                    c.mailbox,
                    c.password.reveal(),
                    shared_key=c.shared_key.reveal().encode("utf-8"),
                    cert=cert,
                    verify=c.ca_file,
                    max_chunk_size=c.max_chunk_size,
                    max_retries=0,
                    timeout=c.timeout,
                    application_name="itk-workbench",
                )
        return self._client

    # ---- the Transport protocol ----------------------------------------------------------

    def handshake(self) -> None:
        """Check that the endpoint answers and accepts this mailbox's credentials."""
        with self._calling("log in to"):
            self._mesh().handshake()

    def send(self, envelope: Envelope) -> Delivery:
        """Send an envelope from this mailbox; the delivery's id is the MESH message id."""
        if not envelope.to_mailbox:
            raise MeshTransportError("the message has no recipient mailbox", "unknown-recipient")
        if not envelope.workflow_id:
            raise MeshTransportError("MESH needs a workflow id to send a message", "refused")
        data = envelope.data
        options: dict[str, Any] = {
            "workflow_id": envelope.workflow_id,
            "content_type": envelope.content_type,
        }
        for key, value in (("local_id", envelope.local_id), ("subject", envelope.subject)):
            if value:
                options[key] = value
        if envelope.filename:
            options["filename"] = envelope.filename
        now = self.clock.now()
        with self._calling(f"send to {envelope.to_mailbox} from", recipient=envelope.to_mailbox):
            message_id = self._mesh().send_message(
                envelope.to_mailbox,
                data,
                max_chunk_size=self.connection.max_chunk_size,
                compress=len(data) > self.connection.compress_over,
                **options,
            )
        sent = replace(envelope, from_mailbox=self.mailbox)
        return Delivery(message_id, sent, now, now)

    def poll(self, mailbox: str | None = None) -> list[str]:
        """The MESH message ids waiting in the inbox (oldest first, up to 500 per call)."""
        self._own(mailbox)
        with self._calling("list the inbox of"):
            return list(self._mesh().list_messages())

    def receive(self, mailbox: str | None, transport_id: str) -> Delivery:
        """Download a message (all its chunks); it stays in the inbox until acknowledged."""
        self._own(mailbox)
        with self._calling(f"download message {transport_id} for", message=transport_id):
            message = self._mesh().retrieve_message(transport_id)
            try:
                data = message.read() if message.message_type != "REPORT" else b""
                headers = dict(message.mex_headers())
            finally:
                message.close()
        envelope = Envelope(
            data,
            message.sender or "",
            message.recipient or self.mailbox,
            message.workflow_id,
            message.local_id,
            (message.content_type or "application/octet-stream").split(";")[0].strip(),
            message.subject,
            message.filename,
        )
        now = self.clock.now()
        status = headers.get("statusdescription") if message.message_type == "REPORT" else None
        return Delivery(transport_id, envelope, now, now, (message.message_type or "DATA").upper(), status)

    def acknowledge(self, mailbox: str | None, transport_id: str) -> None:
        """Tell MESH the message was received: it leaves the inbox."""
        self._own(mailbox)
        with self._calling(f"acknowledge message {transport_id} for", message=transport_id):
            self._mesh().acknowledge_message(transport_id)

    # ---- MESH extras ---------------------------------------------------------------------

    def find_sent(self, local_id: str) -> str | None:
        """The MESH message id of the message this mailbox sent with ``local_id``, or None."""
        client = self._mesh()
        url = f"{client.mailbox_url}/outbox/tracking/{quote(local_id, safe='')}"
        with self._calling(f"look up local id {local_id} for"):
            # mesh-client offers tracking by message id only; this is MESH's lookup by local id.
            response = client._session.get(url, timeout=self.connection.timeout)
            if response.status_code == 404:
                return None
            response.raise_for_status()
            found = response.json()
        return found.get("messageId") or found.get("message_id") or None

    def track(self, message_id: str) -> dict[str, Any]:
        """MESH's tracking record of a sent message (``status``: ``accepted``, ``acknowledged`` ...)."""
        with self._calling(f"track message {message_id} for", message=message_id):
            return dict(self._mesh().track_message(message_id))

    def _own(self, mailbox: str | None) -> None:
        if mailbox and mailbox != self.mailbox:
            raise MeshTransportError(f"this connection is for mailbox {self.mailbox}, not {mailbox}", "refused")

    def _calling(self, what: str, *, recipient: str | None = None, message: str | None = None) -> _Calling:
        return _Calling(self.connection, what, recipient, message)


class _Calling:
    """Turns what mesh-client and requests raise into a :class:`MeshTransportError`."""

    def __init__(self, connection: MeshConnection, what: str, recipient: str | None, message: str | None) -> None:
        self.connection = connection
        self.what = what
        self.recipient = recipient
        self.message = message

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, MeshTransportError) or not isinstance(exc, Exception):
            return False
        raise describe_failure(exc, self.connection, self.what, self.recipient, self.message) from None


def describe_failure(
    exc: Exception,
    connection: MeshConnection,
    what: str,
    recipient: str | None = None,
    message: str | None = None,
) -> MeshTransportError:
    """A clear error for what mesh-client or requests raised (no secret, no traceback)."""
    import requests
    from mesh_client import MeshError

    where = connection.shown_url
    mailbox = connection.mailbox
    doing = f"could not {what} mailbox {mailbox} at {where}"
    if isinstance(exc, requests.exceptions.SSLError):
        return MeshTransportError(f"{doing}: the TLS handshake failed ({_first_line(exc)})", "tls")
    if isinstance(exc, requests.exceptions.Timeout):
        return MeshTransportError(f"{doing}: no answer within {connection.timeout:g} s (timed out)", "timeout")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return MeshTransportError(f"{doing}: the server cannot be reached (is it running?)", "unreachable")
    if isinstance(exc, MeshError):
        text, code = _mesh_error_detail(exc)
        lowered = text.lower()
        if "mailbox matched" in lowered:
            return MeshTransportError(f"{doing}: MESH does not know mailbox {mailbox}: {text}", "unknown-mailbox")
        if "authentication" in lowered or "authorised" in lowered:
            return MeshTransportError(
                f"{doing}: MESH refused the credentials (wrong password or shared key, or an unknown mailbox): {text}",
                "credentials",
            )
        if "unregistered" in lowered or code in ("12", "EPL-151"):
            return MeshTransportError(
                f"{doing}: MESH does not know the recipient mailbox {recipient or ''}: {text}".replace("  ", " "),
                "unknown-recipient",
            )
        return MeshTransportError(f"{doing}: MESH refused the message: {text}", "refused")
    if isinstance(exc, requests.exceptions.HTTPError):
        status = exc.response.status_code if exc.response is not None else None
        text, code = _http_detail(exc)
        if code == "EPL-151" or "mailbox matched" in text.lower():
            return MeshTransportError(
                f"{doing}: MESH does not know mailbox {mailbox}: {text}", "unknown-mailbox", status
            )
        if status in (401, 403):
            return MeshTransportError(
                f"{doing}: MESH refused the credentials (wrong password or shared key, or an unknown mailbox): {text}",
                "credentials",
                status,
            )
        if status == 404:
            return MeshTransportError(
                f"{doing}: MESH has no message {message or ''} ({text})".replace("  ", " "), "not-found", status
            )
        if status == 417 or (status is not None and 400 <= status < 500):
            return MeshTransportError(f"{doing}: MESH refused the request (HTTP {status}: {text})", "refused", status)
        return MeshTransportError(f"{doing}: the server failed (HTTP {status}: {text})", "failed", status)
    if isinstance(exc, requests.exceptions.RequestException):
        return MeshTransportError(f"{doing}: {type(exc).__name__}", "failed")
    if isinstance(exc, OSError):
        return MeshTransportError(f"{doing}: {exc.strerror or type(exc).__name__}", "failed")
    if isinstance(exc, ValueError | TypeError):
        return MeshTransportError(f"{doing}: unusable settings or answer ({type(exc).__name__})", "failed")
    return MeshTransportError(f"{doing}: {type(exc).__name__}", "failed")


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _mesh_error_detail(exc: Exception) -> tuple[str, str | None]:
    """The message MESH gave and its error code, from a MeshError's arguments."""
    args = exc.args
    if args and isinstance(args[0], dict):
        return _detail_text(args[0])
    text = str(args[0])[:300] if args else type(exc).__name__
    for arg in args[1:]:
        if isinstance(arg, dict):
            _, code = _detail_text(arg)
            return text, code
    return text, None


def _http_detail(exc: Exception) -> tuple[str, str | None]:
    response = getattr(exc, "response", None)
    if response is None:
        return type(exc).__name__, None
    try:
        body = response.json()
    except ValueError:
        return (response.reason or f"HTTP {response.status_code}")[:200], None
    return _detail_text(body)


def _detail_text(body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict):
        details = body.get("detail")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            first = details[0]
            text = str(first.get("msg") or first.get("message") or json.dumps(first)[:200])
            code = first.get("code")
            return (f"{text} ({code})" if code else text), str(code) if code else None
        if isinstance(details, str):
            return details[:200], None
        if body.get("errorDescription"):
            return str(body["errorDescription"])[:200], body.get("errorCode")
    return str(body)[:200], None
