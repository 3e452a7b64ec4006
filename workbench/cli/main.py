"""The headless commands of ``itk-workbench`` (``python -m workbench.cli COMMAND ...``).

:mod:`workbench.__main__` sends a command line here unless it opens the desktop application;
nothing here imports Qt. Exit codes: 0 success or valid, 1 findings, 2 input that could
not be used or a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType

from workbench import __version__
from workbench.core.errors import WorkbenchError

#: The commands, each a module ``workbench.cli.<name>`` offering ``add_parser(subparsers)`` and
#: ``run(args) -> int``. Only the command being run is imported, so each starts quickly.
COMMANDS = ("inspect", "validate", "convert", "ack", "simulate")


def command(name: str) -> ModuleType:
    """The module of a command."""
    return importlib.import_module(f"workbench.cli.{name}")


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
    try:
        return command(options.command).run(options)
    except WorkbenchError as exc:  # input a command did not expect to fail on: still a message, not a traceback
        print(f"itk-workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":
    sys.exit(main())
