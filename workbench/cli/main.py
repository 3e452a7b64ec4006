"""The headless commands of ``itk-workbench`` (``python -m workbench.cli COMMAND ...``).

:mod:`workbench.__main__` sends a command line here unless it opens the desktop application;
nothing here imports Qt. Exit codes: 0 success or valid, 1 findings, 2 input that could
not be used or a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType

from workbench import __version__
from workbench.core.errors import WorkbenchError

#: The commands, each a module ``workbench.cli.<name>`` offering ``add_parser(subparsers)`` and
#: ``run(args) -> int``. Only the command being run is imported, so each starts quickly.
COMMANDS = (
    "inspect",
    "validate",
    "convert",
    "ack",
    "simulate",
    "new",
    "break",
    "diff",
    "mask",
    "report",
    "evidence",
    "mesh",
    "messages",
)
#: Commands whose module has another name (``break`` is a Python keyword).
_MODULES = {"break": "negative"}


def command(name: str) -> ModuleType:
    """The module of a command."""
    return importlib.import_module(f"workbench.cli.{_MODULES.get(name, name)}")


def build_parser(names: Iterable[str] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser for the headless commands (all of them by default)."""
    parser = argparse.ArgumentParser(
        prog="itk-workbench",
        description="ITK3 Message Workbench. Without a command it opens the desktop application "
        "(itk-workbench [FILE...]); with one it runs headless.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in names:
        command(name).add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one headless command; return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser([args[0]] if args and args[0] in COMMANDS else COMMANDS)
    options = parser.parse_args(args)
    if options.command is None:
        parser.print_help()
        return 2
    guard = _PipeGuard()
    try:
        return command(options.command).run(options)
    except WorkbenchError as exc:  # input a command did not expect to fail on: still a message, not a traceback
        print(f"itk-workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        guard.close()


class _PipeGuard:
    """Keep a command's exit code when its reader goes away (``validate ... | head``).

    Standard output is wrapped so that writing after the reader has closed the pipe is
    silently dropped: the command goes on to return the exit code of its findings, and the
    interpreter's final flush does not complain.
    """

    def __init__(self) -> None:
        self.real = sys.stdout
        self.broken = False
        sys.stdout = _Guarded(self.real, self)  # type: ignore[assignment]

    def close(self) -> None:
        guarded = sys.stdout
        sys.stdout = self.real
        if isinstance(guarded, _Guarded):
            try:
                self.real.flush()
            except BrokenPipeError:
                self.broken = True
        if self.broken:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.real.fileno())
                os.close(devnull)
            except (OSError, ValueError):  # not a real file (a test's capture)
                pass


class _Guarded:
    """A text or binary stream whose writes stop quietly once the pipe is broken."""

    def __init__(self, stream: object, guard: _PipeGuard) -> None:
        self._stream = stream
        self._guard = guard

    def write(self, data: object) -> int:
        if not self._guard.broken:
            try:
                return self._stream.write(data)  # type: ignore[attr-defined]
            except BrokenPipeError:
                self._guard.broken = True
        return len(data)  # type: ignore[arg-type]

    def flush(self) -> None:
        if not self._guard.broken:
            try:
                self._stream.flush()  # type: ignore[attr-defined]
            except BrokenPipeError:
                self._guard.broken = True

    @property
    def buffer(self) -> _Guarded:
        return _Guarded(self._stream.buffer, self._guard)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


if __name__ == "__main__":
    sys.exit(main())
