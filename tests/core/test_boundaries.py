"""The architecture's boundaries: the core and the CLI never import Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CORE_MODULES = sorted(
    "workbench."
    + str((p.parent if p.name == "__init__.py" else p.with_suffix("")).relative_to(PROJECT / "workbench")).replace(
        os.sep, "."
    )
    for p in (PROJECT / "workbench" / "core").rglob("*.py")
)

CLI_MODULES = sorted(
    "workbench.cli." + p.stem
    for p in (PROJECT / "workbench" / "cli").glob("*.py")
    if p.stem not in ("__init__", "__main__")
)


@pytest.mark.parametrize("package", ["workbench.core", "workbench.cli"])
def test_package_imports_no_qt(package: str) -> None:
    modules = CORE_MODULES if package == "workbench.core" else CLI_MODULES
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6') or m.startswith('workbench.gui'))\n"
        "print(','.join(bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "", f"{package} pulled in: {done.stdout.strip()}"


def test_the_check_sees_every_core_module() -> None:
    assert (
        "workbench.core.codecs.xml_read" in CORE_MODULES
        and "workbench.core.stu3" in CORE_MODULES
        and "workbench.core.itk3.view" in CORE_MODULES
    )
    assert len(CORE_MODULES) >= 10


def test_no_core_source_mentions_qt() -> None:
    offenders = [
        str(p.relative_to(PROJECT))
        for p in (PROJECT / "workbench" / "core").rglob("*.py")
        if any(
            line.lstrip().startswith(("import PySide6", "from PySide6", "from workbench.gui", "import workbench.gui"))
            for line in p.read_text().splitlines()
        )
    ]
    assert offenders == []
