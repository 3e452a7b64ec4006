"""Round trips run on the thread pool: validating a large message takes a moment."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, Signal

from workbench.core.acks.runs import RoundTripRequest, run_request
from workbench.core.errors import WorkbenchError

log = logging.getLogger(__name__)


class RunSignals(QObject):
    """Signals of one round-trip task; create it on the GUI thread.

    Signals:
        sig_finished(object): the run finished; carries the :class:`RoundTrip`.
        sig_failed(int, str): the request's key and why it failed, in words.
    """

    sig_finished = Signal(object)
    sig_failed = Signal(int, str)


class RoundTripTask(QRunnable):
    """Run one :class:`RoundTripRequest` on a pool thread.

    Args:
        request: what to run.
        number: the request's key, echoed in the result (or the failure).
        signals: where to report; created on the GUI thread.
    """

    def __init__(self, request: RoundTripRequest, number: int, signals: RunSignals) -> None:
        super().__init__()
        self.request = request
        self.number = number
        self.signals = signals

    def run(self) -> None:
        """Run the round trip (called on a pool thread)."""
        try:
            trip = run_request(self.request, self.number)
        except (WorkbenchError, ValueError, KeyError) as exc:
            self.signals.sig_failed.emit(self.number, f"{self.request.title}: {exc}")
            return
        except Exception as exc:  # a worker must report every failure, in words, never crash
            log.exception("round trip %s failed", self.request.title)
            self.signals.sig_failed.emit(self.number, f"{self.request.title} failed ({type(exc).__name__}: {exc})")
            return
        self.signals.sig_finished.emit(trip)
