"""Writing output files safely: atomic replacement, so a file is either the old one or the new one.

What a user expects of "write to PATH" is kept:

* a file that exists keeps its permissions (a 0644 file stays 0644), and a new one gets the
  default the umask gives (0644 for the usual 022), not the 0600 of a temporary file;
* a symbolic link stays a link: the file it points to is written (atomically, beside it);
* a FIFO, a terminal or a device (``/dev/stdout``, ``/dev/null``) is written to, not replaced by
  a regular file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    """True when both names lead to one existing file (through links, relative paths or hard links)."""
    try:
        a, b = os.stat(first), os.stat(second)
    except (OSError, ValueError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one or the new one.

    Raises:
        OSError: the file or its folder cannot be written.
    """
    target = Path(os.path.realpath(path))  # through symbolic links: the link itself stays
    try:
        status: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None and not stat.S_ISREG(status.st_mode):
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        _write_through(target, data)  # a FIFO or a device: write to it, never replace it
        return
    folder = target.parent
    temp = folder / f".{target.name[:200]}.{secrets.token_hex(4)}.tmp"
    # 0o666 less the umask, as any new file gets; an existing file's own mode is set below.
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            if status is not None:
                os.fchmod(out.fileno(), stat.S_IMODE(status.st_mode))
                if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(out.fileno(), status.st_uid, status.st_gid)
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _write_through(target: Path, data: bytes) -> None:
    with open(target, "wb") as out:
        out.write(data)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)
