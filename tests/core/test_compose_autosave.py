"""Autosave: unsaved edits kept on disk and offered back, even after the process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core.clock import SequentialIds, VirtualClock
from workbench.core.codecs import render
from workbench.core.compose.autosave import AutosaveError, AutosaveStore, data_directory
from workbench.core.compose.form import HeaderForm
from workbench.core.compose.skeleton import MessageSpec, new_message
from workbench.core.session import MessageSession

PROJECT = Path(__file__).resolve().parents[2]


def new_session(syntax: str = "xml") -> MessageSession:
    document = new_message(
        MessageSpec("ITK003D"), clock=VirtualClock(), ids=SequentialIds("auto"), syntax=syntax
    ).document
    return MessageSession.from_document(document, "New ITK003D message")


def test_the_store_lives_under_the_users_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITK_WORKBENCH_HOME", str(tmp_path))
    assert AutosaveStore().folder == tmp_path / "autosave"
    monkeypatch.delenv("ITK_WORKBENCH_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert data_directory() == tmp_path / "xdg" / "itk-workbench"


@pytest.mark.parametrize("syntax", ["xml", "json"])
def test_save_list_recover_and_discard(tmp_path: Path, syntax: str) -> None:
    store = AutosaveStore(tmp_path)
    session = new_session(syntax)
    session.apply(HeaderForm(session.document).edit("sender_reference", "kept"))  # type: ignore[arg-type, arg-type]
    file = store.save(session)
    assert file == tmp_path / f"{session.key}.autosave.json"
    [entry] = store.entries()
    assert (entry.key, entry.name, entry.syntax, entry.version) == (session.key, session.name, syntax, 1)
    assert entry.problem is None and entry.size > 0 and "unsaved edits" in entry.label
    recovered = store.recover(entry)
    assert recovered.key == session.key and recovered.modified and recovered.syntax == syntax
    assert HeaderForm(recovered.document).values().sender_reference == "kept"  # type: ignore[arg-type]
    assert render(recovered.document, syntax) == render(session.document, syntax)  # type: ignore[arg-type]
    store.discard(session.key)
    assert store.entries() == []


def test_only_changed_sessions_are_written_and_saved_ones_are_forgotten(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path)
    edited, untouched_file = new_session(), tmp_path / "message.xml"
    untouched_file.write_bytes(render(edited.document, "xml"))  # type: ignore[arg-type]
    untouched = MessageSession.open_file(untouched_file)
    assert store.save_modified([edited, untouched]) == [store.file_for(edited.key)]  # a new message is unsaved
    assert store.save_modified([edited, untouched]) == []  # nothing changed since
    edited.apply(HeaderForm(edited.document).edit("bus_ack", False))  # type: ignore[arg-type, arg-type]
    assert store.save_modified([edited]) == [store.file_for(edited.key)]
    edited.save(tmp_path / "saved.xml")
    assert store.save_modified([edited]) == [] and store.entries() == []


def test_a_broken_autosave_is_listed_with_why_and_not_recovered(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path)
    (tmp_path / "abc.autosave.json").write_text("{not json", encoding="utf-8")
    [entry] = store.entries()
    assert entry.problem is not None and "cannot be read" in entry.problem
    with pytest.raises(AutosaveError, match=r"abc\.autosave\.json"):
        store.recover(entry)
    with pytest.raises(AutosaveError, match="session key"):
        store.file_for("../escape")


def test_an_unreadable_message_has_nothing_to_autosave(tmp_path: Path) -> None:
    broken = MessageSession.open_bytes(b"<Bundle", "broken.xml")
    with pytest.raises(AutosaveError, match="could not be read"):
        AutosaveStore(tmp_path).save(broken)
    assert AutosaveStore(tmp_path).save_modified([broken]) == []


_CHILD = textwrap.dedent(
    """
    import sys, time
    from workbench.core.compose.autosave import AutosaveStore
    from workbench.core.compose.form import HeaderForm
    from workbench.core.compose.skeleton import MessageSpec, new_message
    from workbench.core.session import MessageSession

    document = new_message(MessageSpec("ITK006D")).document
    session = MessageSession.from_document(document, "New ITK006D message", key="killedsession")
    store = AutosaveStore(sys.argv[1])
    form = HeaderForm(document)
    for reference in ("first", "second", "third"):
        session.apply(form.edit("sender_reference", reference))
        store.save_modified([session])
    print("saved", flush=True)
    time.sleep(600)
    """
)


def test_the_edits_of_a_killed_process_come_back(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "saved"
            # while it runs, its autosave is another workbench's: listed as held, not offered back
            [running] = AutosaveStore(tmp_path).entries()
            assert running.held and running.owner.startswith(f"{child.pid}-")
            assert AutosaveStore(tmp_path).left_behind() == []
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    store = AutosaveStore(tmp_path)
    [entry] = store.left_behind()
    assert entry.key == "killedsession" and entry.version == 3 and not entry.held
    assert not (tmp_path / "owners" / f"{entry.owner}.lock").exists()  # the ended run's lock is cleared
    recovered = store.recover(entry)
    values = HeaderForm(recovered.document).values()  # type: ignore[arg-type]
    assert values.sender_reference == "third" and values.event == "ITK006D"
    assert recovered.modified
    assert not list(tmp_path.glob(".*"))  # no half-written temporary file left behind
    store.save(recovered)
    [mine] = store.entries()
    assert mine.owner != entry.owner and not mine.held  # this process's own autosave is not another's


def test_a_record_made_apart_is_written_for_its_version(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path)
    session = new_session()
    assert store.needs_saving(session) and not store.is_stale(session)  # new and never saved
    record = store.record(session)  # what a worker makes; nothing is on disk yet
    assert store.entries() == []
    store.write(session.key, session.version, record, session.name)
    assert not store.needs_saving(session)
    [entry] = store.entries()
    assert entry.version == session.version and store.recover(entry).name == session.name
    session.apply(HeaderForm(session.document).edit("local_extension", "later"))  # type: ignore[arg-type]
    assert store.needs_saving(session)
    session.save(tmp_path / "saved.xml")
    assert store.is_stale(session) and not store.needs_saving(session)
    store.save_modified([session])
    assert store.entries() == []
