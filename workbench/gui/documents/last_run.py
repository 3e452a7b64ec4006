"""The tabs of the last run, remembered in the settings so they come back on the next start.

When the window closes it records the files its tabs hold, in order, and which one was shown
(messages that are not files, such as new ones and simulated Responses, are not recorded). On
the next start the window opens them again, unless Settings › Reopen Tabs at Start is off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings

Tab = TypeVar("Tab")

_FILES_KEY = "session/open_files"
_CURRENT_KEY = "session/current"
_ENABLED_KEY = "session/reopen_tabs"


@dataclass(frozen=True, slots=True)
class OpenTabs:
    """What was open.

    Attributes:
        paths: The files, in tab order.
        current: The index in ``paths`` of the tab shown, or -1.
    """

    paths: tuple[str, ...] = ()
    current: int = -1


def reopen_enabled(settings: QSettings) -> bool:
    """Return whether the tabs of the last run come back on start (on by default)."""
    return settings.value(_ENABLED_KEY, True) not in (False, "false", 0, "0")


def set_reopen_enabled(settings: QSettings, enabled: bool) -> None:
    """Turn reopening the last run's tabs on or off."""
    settings.setValue(_ENABLED_KEY, enabled)
    settings.sync()


def remember(settings: QSettings, tabs: OpenTabs) -> None:
    """Record the files open now and the one shown."""
    settings.setValue(_FILES_KEY, list(tabs.paths))
    settings.setValue(_CURRENT_KEY, tabs.current)
    settings.sync()


def recall(settings: QSettings) -> OpenTabs:
    """Return what was open at the end of the last run (nothing when the record is unusable)."""
    value = settings.value(_FILES_KEY, [])
    if isinstance(value, str):  # QSettings gives a plain string for a one-item list
        value = [value]
    paths = tuple(str(v) for v in value or [] if isinstance(v, str) and v)
    try:
        current = int(settings.value(_CURRENT_KEY, -1))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        current = -1
    return OpenTabs(paths, current if 0 <= current < len(paths) else -1)


def reopen(last: OpenTabs, open_file: Callable[[str], Tab]) -> tuple[list[Tab], Tab | None, list[str]]:
    """Open again the files of the last run that still exist, in order.

    Returns:
        The tabs opened, the one that was shown (if it was reopened), and the names of the
        files skipped because they no longer exist.
    """
    opened: list[Tab] = []
    missing: list[str] = []
    shown: Tab | None = None
    for index, path in enumerate(last.paths):
        if not Path(path).is_file():
            missing.append(Path(path).name)
            continue
        tab = open_file(path)
        opened.append(tab)
        if index == last.current:
            shown = tab
    return opened, shown, missing


def missing_note(names: list[str]) -> str:
    """What the message bar says about files of the last run that were not reopened."""
    many = len(names) > 1
    return f"Not reopened, as {'they' if many else 'it'} no longer exist{'' if many else 's'}: {', '.join(names)}"
