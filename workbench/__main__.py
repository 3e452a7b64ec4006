"""``itk-workbench`` and ``python -m workbench``: the desktop application, or a headless command.

With no arguments, or with files only, it opens the desktop application (the files in it);
with a command (``inspect``, ``validate`` ...) or an option it runs the headless CLI, which never
imports Qt. A word that is neither a command nor an existing file is a usage error (exit 2): it
never starts the desktop application, which on a machine without a display would wait forever.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from workbench.cli.main import COMMANDS
from workbench.cli.main import main as run_cli

SMOKE_FLAG = "--smoke"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``itk-workbench`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] != SMOKE_FLAG and (args[0] in COMMANDS or args[0].startswith("-")):
        return run_cli(args)
    unknown = [a for a in args if a != SMOKE_FLAG and not os.path.exists(a)]
    if unknown:
        print(
            f"itk-workbench: error: no such command or file: {unknown[0]}\n"
            f"commands: {', '.join(COMMANDS)} (itk-workbench COMMAND --help says more)",
            file=sys.stderr,
        )
        return 2
    from workbench.gui.app import run_gui  # Qt is imported only for the desktop app

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
