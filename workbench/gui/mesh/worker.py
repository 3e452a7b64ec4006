"""The MESH work, off the GUI thread: one job at a time, in order.

:class:`MeshWorker` owns a thread pool of one thread, so jobs (send, poll, retry, start or stop
the local MESH, load or save the settings) run one after another and never share the store
connection or the HTTP sessions. Each job is a function of the :class:`Engine` (the worker's
own store connection and the :class:`~workbench.core.exchange.Stations` of the current
profile, rebuilt when the profile changes) and returns a small frozen dataclass, reported on
the GUI thread through a :class:`~workbench.gui.tasks.TaskSignals` carrier; a failure is a
:class:`~workbench.gui.tasks.TaskFailure` in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool

from workbench.core.acks.settings import SettingsError
from workbench.core.errors import WorkbenchError
from workbench.core.exchange import MeshSettings, Stations
from workbench.core.store import MessageStore
from workbench.core.validation.runner import Validator
from workbench.gui.mesh.profile import MeshProfile, receiver_settings
from workbench.gui.tasks import TaskFailure, carrier

log = logging.getLogger(__name__)

#: Milliseconds the workbench waits, when it quits, for a MESH job under way.
QUIT_WAIT_MS = 8000


@dataclass(frozen=True, slots=True)
class JobDone:
    """What a job gave back.

    Attributes:
        job: its number.
        what: what it was (``send``, ``cycle`` ...).
        value: its result.
    """

    job: int
    what: str
    value: Any


class Engine:
    """The worker's side: its store connection and the current profile's mailboxes.

    Used only from the worker's thread (one job at a time).

    Args:
        store_path: the message store file.
        registry: gives the profile registry validation uses (may load it).
    """

    def __init__(self, store_path: Path, registry: Callable[[], object | None]) -> None:
        self.store_path = store_path
        self._registry = registry
        self._store: MessageStore | None = None
        self._stations: Stations | None = None
        self._generation = -1
        self.receiver_problem = ""

    @property
    def store(self) -> MessageStore:
        """The store (opened on first use)."""
        if self._store is None:
            self._store = MessageStore(self.store_path)
        return self._store

    def stations(self, profile: MeshProfile) -> Stations:
        """The mailboxes of ``profile`` (made again when it is a new one)."""
        if self._stations is None or self._generation != profile.generation:
            self.close_stations()
            try:
                receiver = receiver_settings(profile.receiver)
                self.receiver_problem = ""
            except (SettingsError, OSError) as exc:
                receiver = None
                self.receiver_problem = (
                    f"The auto-responder's receiver settings {profile.receiver} cannot be used ({exc}); "
                    "it answers as the permissive default receiver"
                )
            validator = Validator(self._registry())
            self._stations = Stations(
                self.store, profile.stations, profile.settings, receiver=receiver, validator=validator
            )
            self._generation = profile.generation
        return self._stations

    def forget(self) -> None:
        """Build the mailboxes again at the next job (the profiles changed)."""
        self._generation = -1

    def close_stations(self) -> None:
        """Close the HTTP sessions."""
        if self._stations is not None:
            self._stations.close()
            self._stations = None

    def close(self) -> None:
        """Close everything."""
        self.close_stations()
        if self._store is not None:
            self._store.close()
            self._store = None


class _Job(QRunnable):
    def __init__(self, engine: Engine, work: Callable[[Engine], Any], number: int, what: str, signals: Any) -> None:
        super().__init__()
        self.engine = engine
        self.work = work
        self.number = number
        self.what = what
        self.signals = signals

    def run(self) -> None:
        try:
            value = self.work(self.engine)
        except (WorkbenchError, ValueError, LookupError, OSError) as exc:
            self.signals.sig_task_failed.emit(TaskFailure(self.number, None, str(exc), self.what))
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("MESH job %s failed", self.what)
            text = f"{type(exc).__name__}: {exc}"
            self.signals.sig_task_failed.emit(TaskFailure(self.number, None, text, self.what))
            return
        self.signals.sig_result_ready.emit(JobDone(self.number, self.what, value))


class MeshWorker:
    """Runs MESH jobs one at a time, in the order given.

    Args:
        engine: the worker's side.
        owner: the long-lived parent of the jobs' signal carriers (it outlives the window, so a
            job still running when the window closes has somewhere to report).
    """

    def __init__(self, engine: Engine, owner: QObject) -> None:
        self.engine = engine
        self._owner = owner
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)
        self._count = 0
        self._running = 0
        self._closed = False

    def submit(
        self,
        what: str,
        work: Callable[[Engine], Any],
        done: Callable[[JobDone], object],
        failed: Callable[[TaskFailure], object],
        *,
        always: bool = False,
    ) -> int:
        """Queue a job; ``done`` or ``failed`` is called on the GUI thread. Return its number.

        Once the worker is closed (:meth:`wait`) results are dropped, except those of a job
        submitted with ``always`` (a local MESH that started meanwhile must still be stopped).
        """
        self._count += 1
        self._running += 1

        def finished(result: object) -> None:
            self._running -= 1
            if always or not self._closed:
                done(result)  # type: ignore[arg-type]

        def went_wrong(failure: TaskFailure) -> None:
            self._running -= 1
            if always or not self._closed:
                failed(failure)

        self._pool.start(_Job(self.engine, work, self._count, what, carrier(self._owner, finished, went_wrong)))
        return self._count

    def busy(self) -> bool:
        """True while a job is queued or running."""
        return self._running > 0

    def wait(self, msecs: int = QUIT_WAIT_MS) -> bool:
        """Close: wait for the job under way (dropping those not started); True when none is left."""
        self._closed = True
        self._pool.clear()
        done = self._pool.waitForDone(msecs)
        if done:
            self.engine.close()
        return done


def load_settings_job(load: Callable[[], MeshSettings]) -> Callable[[Engine], MeshSettings]:
    """A job that reads the MESH settings (the keyring may take a moment)."""
    return lambda _engine: load()
