"""Points where long work in a worker thread lets a more urgent thread go first.

Python runs one thread at a time. A desktop window's thread calls into Python for every slot,
item-model ``data()`` and overridden Qt virtual, and each call waits for the interpreter lock
while a worker (reading, validating) holds it: laying out 8,000 rows of a message's tree took
a second that way, although the window itself computed a tenth of it. So long loops of the core
call :func:`pause_point` now and then (once a resource, once a chunk); a front end that draws a
window installs a gate with :func:`set_gate` that holds a worker there while the window is busy.
With no gate installed (the command line) a pause point costs one global lookup.
"""

from __future__ import annotations

from collections.abc import Callable


class _Installed:
    """Where the gate is kept (one per process)."""

    gate: Callable[[], None] | None = None


_installed = _Installed()


def set_gate(gate: Callable[[], None] | None) -> None:
    """Install the function every pause point calls (None: pause points do nothing)."""
    _installed.gate = gate


def current_gate() -> Callable[[], None] | None:
    """Return the gate installed, if any."""
    return _installed.gate


def pause_point() -> None:
    """Let a busier thread go first, if a gate is installed and says so."""
    gate = _installed.gate
    if gate is not None:
        gate()
