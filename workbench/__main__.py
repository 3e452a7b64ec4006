"""``itk-workbench`` and ``python -m workbench``: the desktop application, or a headless command.

With no arguments, or with files only, it opens the desktop application (the files in it);
with a command (``inspect``, ``validate`` ...) or an option it runs the headless CLI, which never
imports Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from workbench.cli.main import COMMANDS
from workbench.cli.main import main as run_cli


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``itk-workbench`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "--smoke" or (args[0] not in COMMANDS and not args[0].startswith("-")):
        from workbench.gui.app import run_gui  # Qt is imported only for the desktop app

        return run_gui(args)
    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
