"""Which MESH the workbench uses now, and who it is there: the user's settings, or the local MESH.

The user's MESH settings (Settings › MESH…) live in the core's config file and secrets store.
Starting the local MESH does not change them: while it runs and "Use Local MESH" is on, the
workbench is mailbox :attr:`Prefs.local_you` there and, with Auto-Respond on, answers as the
receiver on :attr:`Prefs.local_responder`. :func:`make_profile` turns the two into the
:class:`MeshProfile` the worker builds its :class:`~workbench.core.exchange.Stations` from.

:class:`Prefs` are the desktop's own MESH choices (how often to poll, auto-respond, the
receiver settings, the local MESH's roles), kept in the application settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from workbench.core.acks.presets import shipped_presets
from workbench.core.acks.settings import ReceiverSettings, load_settings
from workbench.core.exchange import MeshSettings, MeshSettingsError, Station
from workbench.core.transport.mesh import MeshConnection, Secret
from workbench.core.transport.sandbox import SandboxMailbox

_KEY = "mesh/"
#: Seconds between polls at first.
DEFAULT_POLL_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Prefs:
    """The desktop's MESH choices.

    Attributes:
        poll_seconds: seconds between automatic polls (0: only on demand).
        auto_respond: answer what arrives as the receiver would.
        receiver: the auto-responder's receiver settings: a shipped preset's name, or a TOML file.
        local_you: the local MESH mailbox the workbench sends from.
        local_responder: the local MESH mailbox the auto-responder answers on.
        use_local: use the local MESH while it runs (else the user's settings).
    """

    poll_seconds: int = DEFAULT_POLL_SECONDS
    auto_respond: bool = False
    receiver: str = "default"
    local_you: str = "X26ABC1"
    local_responder: str = "X26ABC2"
    use_local: bool = True


def load_prefs(settings: QSettings) -> Prefs:
    """The choices kept in the settings (the defaults for what is missing or unusable)."""
    default = Prefs()
    try:
        poll = max(0, int(settings.value(_KEY + "poll_seconds", default.poll_seconds)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        poll = default.poll_seconds
    return Prefs(
        poll,
        _flag(settings.value(_KEY + "auto_respond"), default.auto_respond),
        str(settings.value(_KEY + "receiver", default.receiver) or default.receiver),
        str(settings.value(_KEY + "local_you", default.local_you) or default.local_you),
        str(settings.value(_KEY + "local_responder", default.local_responder) or default.local_responder),
        _flag(settings.value(_KEY + "use_local"), default.use_local),
    )


def save_prefs(settings: QSettings, prefs: Prefs) -> None:
    """Keep the choices."""
    for name in Prefs.__dataclass_fields__:
        settings.setValue(_KEY + name, getattr(prefs, name))
    settings.sync()


@dataclass(frozen=True, slots=True)
class LocalInfo:
    """A local MESH that runs.

    Attributes:
        url: its address (``http://127.0.0.1:PORT``).
        shared_key: the shared key it was started with (a test key, not a secret).
        mailboxes: its mailboxes.
    """

    url: str
    shared_key: str
    mailboxes: tuple[SandboxMailbox, ...]

    def connection(self, mailbox: str) -> MeshConnection | None:
        """The connection of one of its mailboxes, or None when it has no such mailbox."""
        for box in self.mailboxes:
            if box.mailbox == mailbox:
                return MeshConnection(self.url, mailbox, Secret(box.password), Secret(self.shared_key))
        return None


@dataclass(frozen=True, slots=True)
class MeshProfile:
    """Who the workbench is on which MESH, now.

    Attributes:
        generation: its number (a new profile makes the worker rebuild its mailboxes).
        local: True on the local MESH.
        settings: the settings sends use (URL, the user's mailbox, secrets, workflows).
        stations: the mailboxes: the user's first, then the auto-responder's on the local MESH.
        receiver: the auto-responder's receiver settings (a preset's name or a TOML file).
        recipients: mailboxes to offer when sending (the local MESH's).
    """

    generation: int
    local: bool
    settings: MeshSettings
    stations: tuple[Station, ...]
    receiver: str
    recipients: tuple[str, ...] = ()

    @property
    def mailbox(self) -> str:
        """The user's mailbox."""
        return self.stations[0].mailbox

    @property
    def responder(self) -> str | None:
        """The mailbox the auto-responder answers on, if it runs."""
        return next((s.mailbox for s in self.stations if s.auto_respond), None)

    @property
    def title(self) -> str:
        """``the local MESH`` or ``MESH``, with the user's mailbox."""
        return f"{'the local MESH' if self.local else 'MESH'} as {self.mailbox}"


def make_profile(mine: MeshSettings, local: LocalInfo | None, prefs: Prefs, generation: int) -> MeshProfile:
    """The profile the choices give.

    Raises:
        MeshSettingsError: the user's settings are not complete (and no local MESH is in use),
            or a local MESH mailbox chosen does not exist.
    """
    if local is not None and prefs.use_local:
        you = local.connection(prefs.local_you)
        if you is None:
            known = ", ".join(b.mailbox for b in local.mailboxes)
            raise MeshSettingsError(f"the local MESH has no mailbox {prefs.local_you} (it has {known})")
        stations = [Station(you)]
        responder = local.connection(prefs.local_responder)
        if prefs.auto_respond and responder is not None and responder.mailbox != you.mailbox:
            stations.append(Station(responder, auto_respond=True))
        elif prefs.auto_respond:
            stations[0] = Station(you, auto_respond=True)
        settings = mine.changed(
            url=local.url,
            mailbox=you.mailbox,
            password=you.password,
            shared_key=you.shared_key,
            client_cert=None,
            client_key=None,
            ca_file=None,
        )
        others = tuple(b.mailbox for b in local.mailboxes if b.mailbox != you.mailbox)
        return MeshProfile(generation, True, settings, tuple(stations), prefs.receiver, others)
    connection = mine.connection()  # raises MeshSettingsError naming what is missing
    return MeshProfile(generation, False, mine, (Station(connection, prefs.auto_respond),), prefs.receiver)


def receiver_settings(choice: str) -> ReceiverSettings:
    """The auto-responder's receiver settings: a shipped preset by name, or a TOML file.

    Raises:
        SettingsError: the file cannot be read or used.
    """
    for preset in shipped_presets():
        if preset.name == choice:
            return preset.settings
    return load_settings(Path(choice))


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    return value not in (False, "false", 0, "0")
