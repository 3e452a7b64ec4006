"""Shared test configuration.

Qt must run offscreen before anything imports it (without this a QApplication aborts the
whole run on a machine with no display). Tests that use ``qtbot``/``qapp`` are marked
``gui`` automatically so ``pytest -m "not gui"`` runs the headless subset.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ITK_WORKBENCH_SHARED", PROJECT.parent / "shared"))
EXAMPLES = SHARED / "itk3" / "examples"
CONFORMANCE = SHARED / "itk3" / "conformance"
XSD = SHARED / "fhir-stu3" / "xsd" / "fhir-single.xsd"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "qtbot" in fixtures or "qapp" in fixtures:
            item.add_marker(pytest.mark.gui)


def canonical_xml(data: bytes) -> bytes:
    """An XML infoset in canonical form (C14N), comments and whitespace between elements aside.

    The same comparison ../shared/tools/corpus-check makes for its round-trip figure.
    """
    from lxml import etree

    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True, resolve_entities=False, no_network=True)
    tree = etree.fromstring(data, parser)
    for element in tree.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(tree, method="c14n")


def require_shared(path: Path) -> Path:
    """Skip the calling test, saying why, when the shared reference data is absent."""
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (the ../shared folder is absent)")
    return path


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's own settings and history out of every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ITK_WORKBENCH_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))


class _Collect(logging.Handler):
    """Keeps the log records of one test."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_unexpected_log(request: pytest.FixtureRequest) -> object:
    """Fail a test that logs a warning or an error it did not expect.

    A test that expects one says so by using ``caplog`` (and asserting on it) or with the
    ``allow_log`` marker.
    """
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if "caplog" in request.fixturenames or request.node.get_closest_marker("allow_log"):
        return
    if handler.records:
        shown = "; ".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in handler.records[:5])
        pytest.fail(f"the test logged {len(handler.records)} unexpected warning(s) or error(s): {shown}")


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Return a function that runs the real ``itk-workbench ARGS`` and gives its result."""

    def run(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        return subprocess.run(  # the exit code is what the tests check
            [sys.executable, "-m", "workbench.cli", *args],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="module")
def local_mesh() -> object:
    """A mesh-sandbox on a free loopback port, started once per test module (real MESH, never mocked)."""
    pytest.importorskip("mesh_sandbox", reason="mesh-sandbox is not installed (it supports Python < 3.14 only)")
    from workbench.core.transport.sandbox import LocalMesh

    mesh = LocalMesh()
    mesh.start()
    try:
        yield mesh
    finally:
        mesh.stop()
