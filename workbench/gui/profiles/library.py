"""The conformance resources validation uses: the shipped ITK3 pack plus the user's files and folders.

A :class:`ProfileLibrary` (one per application, in the :class:`~workbench.gui.context.AppContext`)
remembers the user's sources in the settings and builds a
:class:`~workbench.core.validation.profiles.registry.ProfileRegistry` from them: the shipped pack
first, then each file or folder in the order added. Loading a large folder takes seconds (the
NHS conformance set: about 3 s), so it happens off the GUI thread: :meth:`ProfileLibrary.reload`
loads in the thread pool and announces the result; a validation worker that needs the registry
before then loads it itself (:meth:`ProfileLibrary.registry`; one load at a time, under a lock).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSettings, QThreadPool, Signal

from workbench.core.validation.profiles.library import SHIPPED_TITLE, ProfileSet, SourceSummary, load_profile_set
from workbench.core.validation.profiles.registry import ProfileRegistry

log = logging.getLogger(__name__)

_SOURCES_KEY = "profiles/sources"


class _LoadSignals(QObject):
    """Signals of a profile load (created on the GUI thread).

    Signals:
        sig_loaded(object): carries the :class:`ProfileSet`.
    """

    sig_loaded = Signal(object)


class _LoadTask(QRunnable):
    """Load a profile set in the thread pool."""

    def __init__(self, library: ProfileLibrary, sources: tuple[str, ...], signals: _LoadSignals) -> None:
        super().__init__()
        self.library = library
        self.sources = sources
        self.signals = signals

    def run(self) -> None:
        """Load (called on a pool thread)."""
        self.signals.sig_loaded.emit(self.library.profile_set(self.sources))


class ProfileLibrary(QObject):
    """The user's conformance sources, remembered in the settings, and the registry built from them.

    Signals:
        sig_loading_changed(bool): Loading started (True) or finished (False).
        sig_profiles_changed(object): A set for the current sources was loaded after they
            changed (or on :meth:`reload`); carries the :class:`ProfileSet`. Validation should
            run again.

    Args:
        settings: Where the sources are remembered.
        pool: The thread pool that loads.
        parent: The Qt parent.
    """

    sig_loading_changed = Signal(bool)
    sig_profiles_changed = Signal(object)

    def __init__(self, settings: QSettings, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._pool = pool
        self._lock = threading.Lock()
        self._loaded: ProfileSet | None = None
        self._loading = 0
        self._carriers: list[_LoadSignals] = []
        value = settings.value(_SOURCES_KEY, [])
        if isinstance(value, str):  # QSettings gives a plain string for a one-item list
            value = [value]
        self._sources: tuple[str, ...] = tuple(str(v) for v in value or [] if v)

    # ---------------------------------------------------------------------------------- API

    def sources(self) -> list[str]:
        """Return the user's files and folders, in the order added."""
        return list(self._sources)

    def add_source(self, path: str) -> None:
        """Add a file or folder (once) and load the new set."""
        absolute = str(Path(path).resolve())
        if absolute not in self._sources:
            self._set_sources((*self._sources, absolute))

    def remove_source(self, path: str) -> None:
        """Remove a file or folder and load the new set."""
        if path in self._sources:
            self._set_sources(tuple(s for s in self._sources if s != path))

    def current(self) -> ProfileSet | None:
        """Return the set loaded for the current sources, if it has been loaded."""
        loaded = self._loaded
        return loaded if loaded is not None and loaded.sources == self._sources else None

    def is_loading(self) -> bool:
        """Return whether a load started by :meth:`reload` is under way."""
        return self._loading > 0

    def registry(self) -> ProfileRegistry | None:
        """Return the registry for the current sources, loading it if needed (any thread; may block)."""
        return self.profile_set(self._sources).registry

    def profile_set(self, sources: tuple[str, ...]) -> ProfileSet:
        """Return the set for ``sources``, loading it if it is not the one loaded (any thread)."""
        with self._lock:
            loaded = self._loaded
            if loaded is None or loaded.sources != sources:
                try:
                    loaded = load_profile_set(sources)
                except Exception as exc:  # never let a bad file stop validation
                    log.exception("loading profiles failed")
                    loaded = ProfileSet(
                        sources, None, (SourceSummary(None, SHIPPED_TITLE, "pack", 0, 0, 0, 0, (str(exc),)),)
                    )
                self._loaded = loaded
            return loaded

    def reload(self) -> None:
        """Load the set for the current sources in the thread pool; announce it when loaded."""
        signals = _LoadSignals(self)
        signals.sig_loaded.connect(self._on_loaded)
        self._carriers.append(signals)
        self._loading += 1
        if self._loading == 1:
            self.sig_loading_changed.emit(True)
        self._pool.start(_LoadTask(self, self._sources, signals))

    # ---------------------------------------------------------------------------- helpers

    def _set_sources(self, sources: tuple[str, ...]) -> None:
        self._sources = sources
        self._settings.setValue(_SOURCES_KEY, list(sources))
        self._settings.sync()
        self.reload()

    def _on_loaded(self, loaded: ProfileSet) -> None:
        carrier = self.sender()
        if isinstance(carrier, _LoadSignals) and carrier in self._carriers:
            self._carriers.remove(carrier)
            carrier.deleteLater()
        self._loading -= 1
        if self._loading == 0:
            self.sig_loading_changed.emit(False)
        if loaded.sources == self._sources:
            self.sig_profiles_changed.emit(loaded)
