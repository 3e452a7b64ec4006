"""Output files: atomic, with the permissions a user expects, through links, into FIFOs and devices."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from workbench.core.files import atomic_write, same_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_file_gets_the_umask_default_not_0600(tmp_path: Path, umask_022: object) -> None:
    target = tmp_path / "new.json"
    atomic_write(target, b"{}")
    assert target.read_bytes() == b"{}" and mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]  # no temporary file left


@pytest.mark.parametrize("existing", [0o644, 0o640, 0o600, 0o664])
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, existing: int, umask_022: object) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"old")
    target.chmod(existing)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == existing


def test_writing_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "message.json"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, b"through the pipe")
    reader.join(timeout=30)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_device_is_written_to() -> None:
    atomic_write("/dev/null", b"nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_is_not_replaced(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path, b"x")
    assert tmp_path.is_dir()


def test_an_unwritable_folder_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.xml"
    with pytest.raises(FileNotFoundError):
        atomic_write(target, b"x")


def test_same_file_sees_through_links_and_relative_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "a.xml"
    first.write_bytes(b"x")
    (tmp_path / "link.xml").symlink_to(first)
    os.link(first, tmp_path / "hard.xml")
    monkeypatch.chdir(tmp_path)
    assert same_file("a.xml", first) and same_file("link.xml", "a.xml") and same_file("hard.xml", "./a.xml")
    assert not same_file("a.xml", "missing.xml") and not same_file("missing.xml", "missing.xml")
