"""The receiver presets the workbench ships (``resources/receiver``), and what an empty list in
the receiver settings means, for forms that show the settings.

A preset is a TOML receiver settings file: the permissive default, a strict GP practice and the
NHS test harness's conventions. The Simulate window lists them beside the user's own TOML files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.core.acks.settings import ReceiverSettings, load_settings
from workbench.core.resources import resource_path

#: What each list field means when it is left empty (a form's placeholder text).
EMPTY_MEANS = {
    "known_senders": "empty: every sender is known",
    "unauthorised_senders": "empty: no sender is rejected as unauthorised",
    "known_recipient_organisations": "empty: every recipient organisation is served",
    "known_recipient_persons": "empty: every recipient person is served",
    "supported_message_definitions": "empty: every MessageDefinition is supported",
    "approved_content_types": "empty: the ITK3 approved attachment types",
    "supported_content_types": "empty: every approved attachment type",
    "nhs_numbers": "empty: no outcome by NHS number",
}


@dataclass(frozen=True, slots=True)
class Preset:
    """A shipped receiver preset.

    Attributes:
        name: the file's stem (``strict-gp``).
        title: the first line of its leading comment, or the name.
        path: the TOML file.
        settings: the settings it gives.
    """

    name: str
    title: str
    path: Path
    settings: ReceiverSettings


def shipped_presets() -> list[Preset]:
    """The presets in ``resources/receiver``, the default first, then by name."""
    folder = resource_path("receiver")
    found = []
    for path in sorted(folder.glob("*.toml"), key=lambda p: (p.stem != "default", p.stem)):
        found.append(Preset(path.stem, _title(path), path, load_settings(path)))
    return found


_TITLES = {"default": "Permissive receiver (the default)"}


def _title(path: Path) -> str:
    if path.stem in _TITLES:
        return _TITLES[path.stem]
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("#"):
            words = text.lstrip("#").strip()
            if words:
                return words.split(":")[0].rstrip(".")
        elif text:
            break
    return path.stem.replace("-", " ")
