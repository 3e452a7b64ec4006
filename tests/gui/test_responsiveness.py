"""A large message loads in a worker while the GUI keeps running; the real entry point starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from guihelpers import make_window, message_with_binary
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from workbench.core.session import MessageSession
from workbench.gui.inspector.tree_model import FETCH_BATCH

PROJECT = Path(__file__).resolve().parents[2]
ITK009D = (
    PROJECT.parent
    / "shared"
    / "itk3"
    / "examples"
    / "FHIR_MESH"
    / "test_messages"
    / "ITK009D_ITK_Immunization_Document.xml"
)


@pytest.fixture(scope="module")
def large_message(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated ITK3-like message of about 5 MB (8,000 entries), as XML."""
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    try:
        from generate import message_xml
    finally:
        sys.path.remove(str(PROJECT / "benchmarks"))
    path = tmp_path_factory.mktemp("large") / "large-message.xml"
    path.write_bytes(message_xml(8000))
    return path


def test_large_message_loads_off_the_gui_thread(qtbot, large_message) -> None:
    assert large_message.stat().st_size > 4_000_000
    window = make_window(qtbot)
    ticks = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(window.is_loading()))
    timer.start()
    with qtbot.waitSignal(window.sig_message_opened, timeout=120_000) as blocker:
        tab = window.open_file(str(large_message))
        assert window.is_loading() and tab.is_loading()
    timer.stop()
    assert blocker.args[0] is tab
    # The event loop kept turning while the worker read the file, and the tab had progress to show.
    assert sum(ticks) >= 3
    assert tab.progress.value() > 50 and tab.progress.isHidden()
    tree = tab.inspector.tree
    model = tree.model
    root = model.index(0, 0)
    # The rows come a batch at a time, as the view is scrolled to the end.
    assert FETCH_BATCH <= model.rowCount(root) <= 2 * FETCH_BATCH and tree.view.isExpanded(root)
    offered = model.rowCount(root)
    bar = tree.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: model.rowCount(root) > offered, timeout=5_000)
    while model.canFetchMore(root):
        model.fetchMore(root)
    assert model.rowCount(root) == 3 + 8001  # id, type, identifier, then the header and 8,000 entries
    assert model.data(model.index(model.rowCount(root) - 1, 0, root)).startswith("entry[8000] Practitioner")
    # The source view is filled a slice at a time, the event loop turning in between.
    original = tab.inspector.preview.view("original")
    if original.is_filling():
        with qtbot.waitSignal(original.sig_filled, timeout=60_000):
            pass
    assert original.blockCount() == tab.session.document.text.count("\n") + 1 > 100_000


def test_a_bundle_nested_130_deep_validates_in_the_window(qtbot, tmp_path) -> None:
    """Worker threads have the stack and recursion room the readers' depth limit needs."""
    inner = '<Bundle><type value="collection"/></Bundle>'
    for level in range(130):
        inner = (
            f'<Bundle><type value="collection"/><entry><fullUrl value="urn:uuid:{level}"/>'
            f"<resource>{inner}</resource></entry></Bundle>"
        )
    path = tmp_path / "deep.xml"
    path.write_text('<Bundle xmlns="http://hl7.org/fhir"' + inner[len("<Bundle") :])
    window = make_window(qtbot)
    failures: list[str] = []
    tab = window.open_file(str(path))
    tab.validation.sig_validation_failed.connect(failures.append)
    qtbot.waitUntil(lambda: tab.validation.result() is not None or bool(failures), timeout=120_000)
    assert failures == []
    expected = MessageSession.open_file(path).validate()
    report = tab.validation.result().report
    assert report.issues == expected.issues and report.predicted == expected.predicted
    assert tab.inspector.banner.text().startswith(f"A receiver would answer {expected.predicted[0]}")
    assert "Could not validate" not in tab.inspector.banner.text()


def test_the_real_entry_point_starts_shows_and_quits(tmp_path) -> None:
    png = tmp_path / "window.png"
    script = Path(sys.executable).parent / "itk-workbench"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "workbench"]
    source = ITK009D
    if not source.exists():  # the shared examples are absent: use a message of our own
        source = tmp_path / "message.xml"
        source.write_bytes(message_with_binary())
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "QT_QPA_PLATFORM": "offscreen",
        "ITK_WORKBENCH_SMOKE": "1",
        "ITK_WORKBENCH_SMOKE_PNG": str(png),
    }
    done = subprocess.run([*command, str(source)], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    image = QImage(str(png))
    assert not image.isNull() and (image.width(), image.height()) == (1400, 900)


def test_the_entry_point_fails_the_smoke_run_for_an_unreadable_file(tmp_path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<Bundle xmlns='http://hl7.org/fhir'><oops></Bundle>")
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "workbench", str(bad), "--smoke"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_the_entry_point_opens_each_file_in_a_tab_of_one_window(tmp_path) -> None:
    good, bad, other = tmp_path / "one.xml", tmp_path / "two.xml", tmp_path / "three.xml"
    good.write_bytes(message_with_binary())
    bad.write_text("<Bundle xmlns='http://hl7.org/fhir'><oops></Bundle>")
    other.write_bytes(message_with_binary())
    png = tmp_path / "tabs.png"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "QT_QPA_PLATFORM": "offscreen",
        "ITK_WORKBENCH_SMOKE_PNG": str(png),
    }
    command = [sys.executable, "-m", "workbench", str(good), str(bad), str(other), "--smoke"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1  # one of them could not be read
    tabs = [line for line in done.stdout.splitlines() if line.startswith("tab: ")]
    assert tabs == ["tab: one.xml: read", "tab: two.xml: could not be read", "tab: three.xml: read"]
    assert "Traceback" not in done.stderr and not QImage(str(png)).isNull()
