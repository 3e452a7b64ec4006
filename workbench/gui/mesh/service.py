"""The desktop's MESH: send, poll on a timer and on demand, retry with back-off, the local MESH.

:class:`MeshService` is the GUI thread's side. It keeps the user's MESH settings (read through
the core, secrets included, never shown or logged), the desktop's :class:`~.profile.Prefs`, the
local MESH while it runs, and the :class:`~.profile.MeshProfile` they make; it hands every piece
of MESH work to the :class:`~.worker.MeshWorker` (one job at a time, off the GUI thread) and
says what happened through its signals. A failed send stays in the store marked with the error
and is tried again automatically after the core's back-off (``retry_due``), never twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.core.exchange import CycleResult, MeshSettings, MeshSettingsError, Outcome, load_mesh_settings
from workbench.core.exchange.settings import save_mesh_settings, secrets_place
from workbench.core.transport.mesh import MeshTransport
from workbench.core.transport.sandbox import LocalMesh
from workbench.gui.mesh.profile import LocalInfo, MeshProfile, Prefs, make_profile
from workbench.gui.mesh.status import MeshStatus, compose_status
from workbench.gui.mesh.worker import Engine, JobDone, MeshWorker
from workbench.gui.tasks import TaskFailure

#: How often the workbench looks for sends due again while some have failed.
RETRY_TICK_MS = 2000
#: Failure kinds that say the connection is in trouble (not just one message).
CONNECTION_FAILURES = ("unreachable", "credentials", "unknown-mailbox", "timeout", "tls", "failed")


@dataclass(frozen=True, slots=True)
class SendDone:
    """What became of a send.

    Attributes:
        name: what the message is called.
        to: the recipient mailbox.
        outcome: the stored row and whether it went; None when it could not even be tried.
        problem: why it could not be tried (no workflow known ...), else "".
    """

    name: str
    to: str
    outcome: Outcome | None
    problem: str = ""


@dataclass(frozen=True, slots=True)
class RetryDone:
    """What sending again did.

    Attributes:
        outcomes: each row tried, and what became of it.
        asked: True when the user asked (Retry), False for an automatic retry after back-off.
    """

    outcomes: tuple[Outcome, ...]
    asked: bool


@dataclass(frozen=True, slots=True)
class CycleDone:
    """What a poll (and the retries due with it) did.

    Attributes:
        result: what every mailbox received and sent.
        retried: what was sent again.
        outstanding: rows still waiting to be sent again.
        mailbox: the user's mailbox (what arrived there counts as new).
        note: a problem with the auto-responder's receiver settings, else "".
    """

    result: CycleResult
    retried: tuple[Outcome, ...]
    outstanding: int
    mailbox: str
    note: str = ""


class MeshService(QObject):
    """The desktop's MESH.

    Signals:
        sig_status_changed(object): The connection or the count of new messages changed;
            carries a :class:`MeshStatus`.
        sig_store_changed(): Messages were stored or changed (the Messages view lists again).
        sig_sent(object): A send finished (sent or kept with its error); carries a :class:`SendDone`.
        sig_cycled(object): A poll finished; carries a :class:`CycleDone`.
        sig_received(object): Messages arrived at the user's mailbox; carries their rows (a tuple).
        sig_retried(object): Sends were tried again; carries a :class:`RetryDone`.
        sig_local_changed(object): The local MESH started or stopped; carries its
            :class:`~.profile.LocalInfo`, or None.
        sig_profile_changed(object): Who the workbench is on which MESH changed; carries the
            :class:`~.profile.MeshProfile`, or None when MESH is not set up.
        sig_problem(str, str): Something failed: the text (naming what failed, never a
            secret) and the level for the message bar.

    Args:
        store_path: the message store file.
        prefs: the desktop's MESH choices.
        registry: gives the profile registry validation uses.
        parent: the Qt parent.
        load: reads the user's MESH settings (the core's, by default).
        carriers: the long-lived parent of the jobs' signal carriers (the context's; default
            this service).
    """

    sig_status_changed = Signal(object)
    sig_store_changed = Signal()
    sig_sent = Signal(object)
    sig_cycled = Signal(object)
    sig_received = Signal(object)
    sig_retried = Signal(object)
    sig_local_changed = Signal(object)
    sig_profile_changed = Signal(object)
    sig_problem = Signal(str, str)

    def __init__(
        self,
        store_path: Path,
        prefs: Prefs,
        registry: Callable[[], object | None],
        parent: QObject | None = None,
        load: Callable[[], MeshSettings] = load_mesh_settings,
        carriers: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.retry_base = 10.0  # seconds before the first automatic retry (doubling, up to retry_cap)
        self.retry_cap = 900.0
        self._load = load
        self._prefs = prefs
        self._mine = MeshSettings()
        self._loaded = False
        self._local: LocalInfo | None = None
        self._sandbox: LocalMesh | None = None
        self._starting = False
        self._profile: MeshProfile | None = None
        self._problem = "reading the MESH settings…"
        self._generation = 0
        self._cycle_queued = False
        self._again = False
        self._state = "off"
        self._last_error = ""
        self._unread: set[int] = set()
        self._waiting = 0  # rows kept to be sent again
        self._closed = False
        self.worker = MeshWorker(Engine(store_path, registry), carriers or self)
        self._poll_timer = QTimer(self)
        self._poll_timer.timeout.connect(self.poll_now)
        self._retry_timer = QTimer(self)
        self._retry_timer.setInterval(RETRY_TICK_MS)
        self._retry_timer.timeout.connect(self._retry_due)

    # ---- state -------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the user's MESH settings (in the worker), then begin polling."""
        self.worker.submit("load", lambda _engine: self._load(), self._on_settings_loaded, self._on_load_failed)

    def prefs(self) -> Prefs:
        """The desktop's MESH choices."""
        return self._prefs

    def settings(self) -> MeshSettings:
        """The user's MESH settings (as loaded: file, keyring or secrets file, environment)."""
        return self._mine

    def profile(self) -> MeshProfile | None:
        """Who the workbench is on which MESH now; None when MESH is not set up."""
        return self._profile

    def problem(self) -> str:
        """Why there is no profile, in words."""
        return self._problem

    def local(self) -> LocalInfo | None:
        """The local MESH, while it runs."""
        return self._local

    def is_starting(self) -> bool:
        """True while the local MESH starts."""
        return self._starting

    def unread(self) -> set[int]:
        """Ids of messages received at the user's mailbox not yet looked at."""
        return set(self._unread)

    def set_prefs(self, prefs: Prefs) -> None:
        """Use new choices (the profile is made again)."""
        self._prefs = prefs
        self._remake()

    def mark_seen(self, ids: tuple[int, ...] | set[int]) -> None:
        """These messages were looked at."""
        if self._unread & set(ids):
            self._unread -= set(ids)
            self._emit_status()

    def mark_all_seen(self) -> None:
        """Every message received was looked at."""
        if self._unread:
            self._unread.clear()
            self._emit_status()

    # ---- sending, polling, retrying ----------------------------------------------------------

    def send(self, data: bytes, name: str, to: str, workflow: str | None) -> bool:
        """Send message bytes from the user's mailbox (stored first); False when MESH is not set up."""
        profile = self._ready("send")
        if profile is None:
            return False

        def work(engine: Engine) -> SendDone:
            from workbench.core.exchange import ExchangeError

            try:
                outcome = engine.stations(profile).send(data, to, workflow=workflow, name=name)
            except ExchangeError as exc:
                return SendDone(name, to, None, str(exc))
            return SendDone(name, to, outcome)

        self._busy()
        self.worker.submit("send", work, self._on_sent, self._on_job_failed)
        return True

    def poll_now(self) -> bool:
        """Poll every mailbox now (and send what is due again); False when MESH is not set up."""
        if self._cycle_queued:
            self._again = True
            return True
        profile = self._ready("poll")
        if profile is None:
            return False
        self._cycle_queued = True
        base, cap = self.retry_base, self.retry_cap

        def work(engine: Engine) -> CycleDone:
            stations = engine.stations(profile)
            retried = tuple(stations.retry_due(base, cap))
            result = stations.cycle()
            return CycleDone(result, retried, stations.outstanding(), profile.mailbox, engine.receiver_problem)

        self._busy()
        self.worker.submit("poll", work, self._on_cycled, self._on_job_failed)
        return True

    def retry(self, ids: tuple[int, ...] | None = None) -> bool:
        """Send again the rows named (or everything that failed), each once; False when not set up."""
        profile = self._ready("retry")
        if profile is None:
            return False

        def work(engine: Engine) -> tuple[tuple[Outcome, ...], int]:
            stations = engine.stations(profile)
            return tuple(stations.retry(ids)), stations.outstanding()

        self._busy()
        self.worker.submit("retry", work, lambda done: self._on_retried(done, True), self._on_job_failed)
        return True

    def _retry_due(self) -> None:
        profile = self._profile
        if profile is None or self.worker.busy():
            return
        base, cap = self.retry_base, self.retry_cap

        def work(engine: Engine) -> tuple[tuple[Outcome, ...], int]:
            stations = engine.stations(profile)
            return tuple(stations.retry_due(base, cap)), stations.outstanding()

        self.worker.submit("retry", work, lambda done: self._on_retried(done, False), self._on_job_failed)

    # ---- the local MESH ----------------------------------------------------------------------

    def start_local(self) -> None:
        """Start mesh-sandbox on loopback (in the worker); the workbench then uses it."""
        if self._sandbox is not None or self._starting:
            return
        self._starting = True
        self._emit_status()

        def work(_engine: Engine) -> LocalMesh:
            return LocalMesh().start()

        self.worker.submit("start the local MESH", work, self._on_local_started, self._on_local_failed, always=True)

    def stop_local(self) -> None:
        """Stop the local MESH (in the worker); the workbench goes back to the user's settings."""
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is None:
            return
        self._local = None
        self._remake()
        self.sig_local_changed.emit(None)

        def work(engine: Engine) -> None:
            engine.close_stations()
            sandbox.stop()

        self.worker.submit("stop the local MESH", work, lambda _done: None, self._on_job_failed)

    def set_use_local(self, use: bool) -> None:
        """Use the local MESH while it runs (True) or the user's settings (False)."""
        self.set_prefs(replace(self._prefs, use_local=use))

    def set_auto_respond(self, on: bool) -> None:
        """Answer what arrives as the receiver would, or not."""
        self.set_prefs(replace(self._prefs, auto_respond=on))

    # ---- settings ----------------------------------------------------------------------------

    def load_for_editing(self, done: Callable[[MeshSettings, str], object]) -> None:
        """Read the settings file (and its secrets) as the dialog edits them: no environment.

        ``done`` gets the settings and where the secrets are kept, in words.
        """

        def work(_engine: Engine) -> tuple[MeshSettings, str]:
            return load_mesh_settings(environ={}), secrets_place()

        self.worker.submit("read the MESH settings", work, lambda result: done(*result.value), self._on_job_failed)

    def save_settings(
        self, settings: MeshSettings, done: Callable[[str], object], failed: Callable[[str], object]
    ) -> None:
        """Write the settings (secrets to the keyring or the private file), then use them.

        ``done`` gets where the secrets are kept, in words; ``failed`` why they were not saved.
        """

        def work(engine: Engine) -> tuple[MeshSettings, str]:
            path = save_mesh_settings(settings)
            engine.forget()
            return self._load(), secrets_place(path)

        def saved(result: JobDone) -> None:
            effective, place = result.value
            self._mine = effective
            self._remake()
            done(place)

        def not_saved(failure: TaskFailure) -> None:
            failed(failure.message)
            self.sig_problem.emit(f"The MESH settings were not saved: {failure.message}", "error")

        self.worker.submit("save the MESH settings", work, saved, not_saved)

    def test_connection(self, settings: MeshSettings, done: Callable[[str, bool], object]) -> None:
        """Log in with ``settings`` (a handshake); ``done`` gets what happened and whether it worked."""

        def work(_engine: Engine) -> tuple[str, bool]:
            try:
                connection = settings.connection()
            except MeshSettingsError as exc:
                return str(exc), False
            with MeshTransport(connection) as transport:
                try:
                    transport.handshake()
                except Exception as exc:  # the transport's errors name what failed, never a secret
                    return str(exc), False
            return f"Mailbox {connection.mailbox} at {connection.shown_url} accepted the credentials", True

        self.worker.submit("test the connection", work, lambda r: done(*r.value), self._on_job_failed)

    # ---- lifetime ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop polling, stop the local MESH, and wait (a moment) for the job under way."""
        self._closed = True
        self._poll_timer.stop()
        self._retry_timer.stop()
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            sandbox.stop()
        self.worker.wait()

    # ---- handlers ----------------------------------------------------------------------------

    def _on_settings_loaded(self, result: JobDone) -> None:
        self._mine = result.value
        self._loaded = True
        self._remake()

    def _on_load_failed(self, failure: TaskFailure) -> None:
        self._loaded = True
        self._remake()
        self.sig_problem.emit(f"The MESH settings cannot be used: {failure.message}", "warning")

    def _on_sent(self, result: JobDone) -> None:
        done: SendDone = result.value
        outcome = done.outcome
        if outcome is not None:
            self.sig_store_changed.emit()
        if outcome is None:
            self._emit_status()  # nothing was tried: the connection is as it was
        elif outcome.failed:
            self._waiting += 1
            self._retry_timer.start()
            self._health((outcome,))
        else:
            self._ok()
            profile = self._profile
            if profile is not None and profile.responder is not None:
                QTimer.singleShot(0, self.poll_now)  # the auto-responder answers at once
        self.sig_sent.emit(done)

    def _on_cycled(self, result: JobDone) -> None:
        self._cycle_queued = False
        done: CycleDone = result.value
        cycle = done.result
        if cycle.received or cycle.outgoing or done.retried:
            self.sig_store_changed.emit()
        mine = tuple(r for r in cycle.received if r.mailbox == done.mailbox)
        self._unread |= {r.id for r in mine}
        self._waiting = done.outstanding
        if done.outstanding:
            self._retry_timer.start()
        else:
            self._retry_timer.stop()
        if cycle.errors:
            self._fail(cycle.errors[0])  # the mailbox could not be listed or read
        else:
            self._health((*cycle.outgoing, *done.retried), True)
        if done.note:
            self.sig_problem.emit(done.note, "warning")
        if self._sandbox is not None and not self._sandbox.running:
            self._sandbox = None
            self._local = None
            self._remake()
            self.sig_local_changed.emit(None)
            self.sig_problem.emit("The local MESH stopped by itself; the workbench uses your MESH settings", "error")
        if mine:
            self.sig_received.emit(mine)
        if done.retried:
            self.sig_retried.emit(RetryDone(done.retried, False))
        self.sig_cycled.emit(done)
        if self._again:
            self._again = False
            self.poll_now()

    def _on_retried(self, result: JobDone, asked: bool) -> None:
        outcomes, outstanding = result.value
        if outcomes:
            self.sig_store_changed.emit()
        self._waiting = outstanding
        if not outstanding:
            self._retry_timer.stop()
        self._health(outcomes, bool(outcomes))
        self.sig_retried.emit(RetryDone(outcomes, asked))

    def _on_job_failed(self, failure: TaskFailure) -> None:
        if failure.task == "poll":
            self._cycle_queued = False
        self._fail(f"Could not {failure.task} over MESH: {failure.message}")
        self.sig_problem.emit(f"Could not {failure.task} over MESH: {failure.message}", "error")

    def _on_local_started(self, result: JobDone) -> None:
        self._starting = False
        sandbox: LocalMesh = result.value
        if self._closed:
            sandbox.stop()
            return
        self._sandbox = sandbox
        self._local = LocalInfo(sandbox.url, sandbox.shared_key.reveal(), sandbox.mailboxes)
        self._prefs = replace(self._prefs, use_local=True, auto_respond=True)
        self._remake()
        self.sig_local_changed.emit(self._local)

    def _on_local_failed(self, failure: TaskFailure) -> None:
        self._starting = False
        if self._closed:
            return
        self._emit_status()
        self.sig_problem.emit(f"The local MESH could not be started: {failure.message}", "error")

    # ---- internals ---------------------------------------------------------------------------

    def _ready(self, what: str) -> MeshProfile | None:
        if self._profile is None:
            self.sig_problem.emit(f"Cannot {what}: {self._problem}", "error")
        return self._profile

    def _remake(self) -> None:
        """Make the profile from the settings, the local MESH and the choices; restart polling."""
        self._generation += 1
        try:
            self._profile = make_profile(self._mine, self._local, self._prefs, self._generation)
            self._problem = ""
        except MeshSettingsError as exc:
            self._profile = None
            self._problem = (
                f"{exc}. Set up MESH in Settings › MESH…, or start the local MESH (MESH › Start Local MESH)"
                if self._loaded
                else "reading the MESH settings…"
            )
        self._state = "ready" if self._profile is not None else "off"
        self._last_error = ""
        interval = self._prefs.poll_seconds * 1000
        if self._profile is not None and interval > 0 and not self._closed:
            self._poll_timer.start(interval)
        else:
            self._poll_timer.stop()
        self.sig_profile_changed.emit(self._profile)
        self._emit_status()
        if self._profile is not None and not self._closed:
            self.poll_now()

    def _busy(self) -> None:
        if self._state != "failing":
            self._state = "busy"
        self._emit_status()

    def _ok(self) -> None:
        self._state = "ok"
        self._last_error = ""
        self._emit_status()

    def _health(self, outcomes: tuple[Outcome, ...], answered: bool = True) -> None:
        """The connection failing when a transfer failed for a reason of the connection's, else
        answering (a recipient MESH does not know is the message's problem, not the connection's)."""
        broken = next((o for o in outcomes if o.failed and o.row.error_kind in CONNECTION_FAILURES), None)
        if broken is not None:
            self._fail(broken.note)
        elif answered:
            self._ok()
        else:
            self._emit_status()

    def _fail(self, text: str) -> None:
        self._state = "failing"
        self._last_error = text
        self._emit_status()

    def _emit_status(self) -> None:
        self.sig_status_changed.emit(self.status())

    def status(self) -> MeshStatus:
        """The connection as the status bar shows it now."""
        return compose_status(
            self._state,
            self._profile,
            problem=self._problem,
            starting=self._starting,
            last_error=self._last_error,
            unread=len(self._unread),
            waiting=self._waiting,
            poll_seconds=self._prefs.poll_seconds,
        )
