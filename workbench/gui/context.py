"""The application context handed to every window and panel (no global singletons).

Settings live in ``QSettings`` under the organisation "ITK Workbench" and the application
"ITK3 Message Workbench". When the environment variable ``ITK_WORKBENCH_HOME`` is set (tests set
it to a temporary folder), the settings are an INI file under it instead, so a test never reads
or writes the user's own settings.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QThreadPool

from workbench.core.codecs.xml_read import MAX_DEPTH
from workbench.gui import pacing
from workbench.gui.profiles.library import ProfileLibrary

ORGANISATION = "ITK Workbench"
APPLICATION = "ITK3 Message Workbench"
HOME_VARIABLE = "ITK_WORKBENCH_HOME"
MAX_RECENT = 10
#: Seconds a Python thread may keep the interpreter lock while another waits for it. Workers
#: (reading, rendering, validating) are Python; the GUI thread needs the lock for every call into
#: Python (each slot, each item-model ``data()``, each virtual of a Python widget subclass), and
#: with the default 5 ms a worker made the window stall for a second while a 5 MB message loaded.
GUI_SWITCH_INTERVAL = 0.001
#: Python frames a worker may nest. The readers refuse elements nested deeper than ``MAX_DEPTH``
#: levels, and walking the tree (validation, writing, aligning) takes up to about three frames
#: a level, so the default 1,000 frames gave "RecursionError" for a Bundle nested 130 deep.
#: Ten frames a level leave room; the worker threads get the stack that needs.
RECURSION_LIMIT = 10 * MAX_DEPTH
#: The stack of each worker thread (bytes): room for :data:`RECURSION_LIMIT` frames of
#: C-level recursion (a Python frame that calls through C takes about 1 KB of stack).
WORKER_STACK_SIZE = 64 * 1024 * 1024

_RECENT_KEY = "files/recent"


def make_settings() -> QSettings:
    """Return the settings store: an INI file under ``$ITK_WORKBENCH_HOME`` when set."""
    home = os.environ.get(HOME_VARIABLE)
    if home:
        path = Path(home) / "settings.ini"
        path.parent.mkdir(parents=True, exist_ok=True)
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


class RecentFiles:
    """The list of recently opened files, most recent first, kept in the settings.

    Args:
        settings: Where the list is stored.
        limit: How many files are kept.
    """

    def __init__(self, settings: QSettings, limit: int = MAX_RECENT) -> None:
        self._settings = settings
        self._limit = limit

    def paths(self) -> list[str]:
        """Return the recent files, most recent first."""
        value = self._settings.value(_RECENT_KEY, [])
        if isinstance(value, str):  # QSettings gives a plain string for a one-item list
            value = [value]
        return [str(v) for v in value or [] if v]

    def add(self, path: str) -> None:
        """Put a file at the top of the list (moving it if it was there already)."""
        absolute = str(Path(path).resolve())
        paths = [absolute, *(p for p in self.paths() if p != absolute)]
        self._store(paths[: self._limit])

    def remove(self, path: str) -> None:
        """Take a file off the list."""
        self._store([p for p in self.paths() if p != path])

    def clear(self) -> None:
        """Empty the list."""
        self._store([])

    def _store(self, paths: list[str]) -> None:
        self._settings.setValue(_RECENT_KEY, paths)
        self._settings.sync()


@dataclass
class AppContext:
    """What the windows of one application share.

    Attributes:
        settings: The settings store (see :func:`make_settings`).
        pool: The thread pool for loading, rendering and validating off the GUI thread. Each
            context has its own, so closing a window can wait for its work without touching
            Qt's global pool; its threads have a large stack (:data:`WORKER_STACK_SIZE`).
        carriers: The parent of the signal carriers of tasks in flight (see
            :class:`~workbench.gui.tasks.TaskSignals`): it outlives every tab.
        recent: The recent-files list.
        profiles: The conformance resources validation uses (Settings › Profiles).
    """

    settings: QSettings = field(default_factory=make_settings)
    pool: QThreadPool = field(default_factory=QThreadPool)
    carriers: QObject = field(default_factory=QObject)
    recent: RecentFiles = field(init=False)
    profiles: ProfileLibrary = field(init=False)

    def __post_init__(self) -> None:
        if sys.getswitchinterval() > GUI_SWITCH_INTERVAL:
            sys.setswitchinterval(GUI_SWITCH_INTERVAL)
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
        pacing.install()
        self.recent = RecentFiles(self.settings)
        self.profiles = ProfileLibrary(self.settings, self.pool)
        self.pool.setMaxThreadCount(max(2, min(4, self.pool.maxThreadCount())))
        self.pool.setStackSize(WORKER_STACK_SIZE)
