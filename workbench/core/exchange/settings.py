"""MESH settings: where to connect, as whom, and which workflow each event travels on.

Settings come from, in order of precedence: what the caller passes (the CLI's ``--url`` and
``--mailbox``), the environment (``MESH_URL``, ``MESH_MAILBOX``, ``MESH_PASSWORD``,
``MESH_SHARED_KEY``), then the config file (``$XDG_CONFIG_HOME/itk-workbench/mesh.toml``, or
the file ``ITK_WORKBENCH_MESH_CONFIG`` names)::

    url = "https://msg.intspineservices.nhs.uk"
    mailbox = "X26ABC1"
    client_cert = "/path/client.pem"      # mutual TLS, where the endpoint asks for it
    client_key = "/path/client.key"
    ca_file = "/path/ca.pem"
    timeout = 30                          # seconds per HTTP exchange
    conversation_timeout = 3600           # seconds before an unanswered conversation is overdue
    reply_to = "mesh-sender"              # or "source-endpoint": where Responses go

    [workflows]                           # event -> WorkflowID, over the catalogue's pairs
    ITK003D = "TOC_FHIR_IP_DISCH"

Secrets (password, shared key) never come from the command line and are never written to the
config file: they come from the environment, the system keyring where there is one (the
``keyring`` package), or ``mesh-secrets.toml`` beside the config file, which must be readable by
its owner only.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.files import atomic_write
from workbench.core.itk3.routing import workflow_for_event
from workbench.core.transport.mesh import MeshConnection, Secret

CONFIG_ENV = "ITK_WORKBENCH_MESH_CONFIG"
REPLY_TO = ("mesh-sender", "source-endpoint")
_KEYRING_SERVICE = "itk-workbench-mesh"
_FILE_KEYS = (
    "url",
    "mailbox",
    "client_cert",
    "client_key",
    "ca_file",
    "timeout",
    "max_chunk_size",
    "compress_over",
    "conversation_timeout",
    "reply_to",
)


class MeshSettingsError(WorkbenchError, ValueError):
    """MESH settings that cannot be used (missing, unreadable, or a secret file open to others)."""


@dataclass(frozen=True, slots=True)
class MeshSettings:
    """Everything the workbench needs to exchange ITK3 messages over MESH.

    Attributes:
        url, mailbox: the endpoint and this mailbox.
        password, shared_key: the secrets (never shown).
        client_cert, client_key, ca_file: mutual TLS files.
        timeout: seconds per HTTP exchange.
        max_chunk_size, compress_over: chunking and compression thresholds (bytes).
        conversation_timeout: seconds before a conversation still awaiting a Response is overdue.
        reply_to: where the auto-responder sends Responses: the MESH sender of the message
            (``mesh-sender``), or the mailbox in its ``source.endpoint`` (``source-endpoint``).
        workflows: WorkflowIDs per event code, over the catalogue's.
    """

    url: str | None = None
    mailbox: str | None = None
    password: Secret = field(default_factory=lambda: Secret(None))
    shared_key: Secret = field(default_factory=lambda: Secret(None))
    client_cert: str | None = None
    client_key: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    max_chunk_size: int = 20 * 1024 * 1024
    compress_over: int = 256 * 1024
    conversation_timeout: float = 3600.0
    reply_to: str = "mesh-sender"
    workflows: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.reply_to not in REPLY_TO:
            raise MeshSettingsError(f"reply_to must be one of {', '.join(REPLY_TO)}, not {self.reply_to!r}")
        if self.timeout <= 0 or self.conversation_timeout <= 0:
            raise MeshSettingsError("timeouts must be positive numbers of seconds")

    def workflow_for(self, event: str | None) -> str | None:
        """The WorkflowID a message of ``event`` is sent on: the settings', else the catalogue's."""
        for code, workflow in self.workflows:
            if code == event:
                return workflow
        return workflow_for_event(event)

    def connection(self) -> MeshConnection:
        """The connection these settings describe.

        Raises:
            MeshSettingsError: the URL, mailbox, password or shared key is missing.
        """
        missing = [
            what
            for what, value in (
                ("the MESH URL (--url or MESH_URL)", self.url),
                ("the mailbox (--mailbox or MESH_MAILBOX)", self.mailbox),
                ("the mailbox password (MESH_PASSWORD)", self.password),
                ("the shared key (MESH_SHARED_KEY)", self.shared_key),
            )
            if not value
        ]
        if missing:
            raise MeshSettingsError("MESH is not configured: missing " + ", ".join(missing))
        try:
            return MeshConnection(
                str(self.url),
                str(self.mailbox),
                self.password,
                self.shared_key,
                self.client_cert,
                self.client_key,
                self.ca_file,
                self.timeout,
                self.max_chunk_size,
                self.compress_over,
            )
        except ValueError as exc:
            raise MeshSettingsError(f"MESH settings cannot be used: {exc}") from exc

    def changed(self, **changes: Any) -> MeshSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/itk-workbench`` (``~/.config/itk-workbench`` by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "itk-workbench"


def config_path() -> Path:
    """The MESH config file: ``$ITK_WORKBENCH_MESH_CONFIG``, else ``mesh.toml`` in :func:`config_dir`."""
    named = os.environ.get(CONFIG_ENV)
    return Path(named).expanduser() if named else config_dir() / "mesh.toml"


def secrets_path(config: Path | None = None) -> Path:
    """``mesh-secrets.toml`` beside the config file."""
    return (config or config_path()).with_name("mesh-secrets.toml")


def load_mesh_settings(
    path: str | Path | None = None,
    *,
    url: str | None = None,
    mailbox: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> MeshSettings:
    """Settings from the arguments, the environment and the config file (in that order).

    Raises:
        MeshSettingsError: the config or secrets file cannot be read or is not valid.
    """
    env = os.environ if environ is None else environ
    file = Path(path) if path is not None else config_path()
    values = _read_toml(file) if file.exists() else {}
    workflows = values.pop("workflows", {}) or {}
    unknown = set(values) - set(_FILE_KEYS) - {"password", "shared_key"}
    if unknown:
        raise MeshSettingsError(f"{file}: unknown setting(s): {', '.join(sorted(unknown))}")
    if not isinstance(workflows, dict) or not all(isinstance(v, str) for v in workflows.values()):
        raise MeshSettingsError(f"{file}: [workflows] must map event codes to WorkflowIDs (strings)")
    secrets = _stored_secrets(file, values)
    chosen: dict[str, Any] = {k: values[k] for k in _FILE_KEYS if k in values}
    chosen["url"] = url or env.get("MESH_URL") or values.get("url")
    chosen["mailbox"] = mailbox or env.get("MESH_MAILBOX") or values.get("mailbox")
    chosen["password"] = Secret(env.get("MESH_PASSWORD") or secrets.get("password"))
    chosen["shared_key"] = Secret(env.get("MESH_SHARED_KEY") or secrets.get("shared_key"))
    chosen["workflows"] = tuple(sorted((str(k), str(v)) for k, v in workflows.items()))
    try:
        return MeshSettings(**chosen)
    except TypeError as exc:
        raise MeshSettingsError(f"{file}: a setting has the wrong type ({exc})") from exc


def save_mesh_settings(settings: MeshSettings, path: str | Path | None = None, *, keyring: bool = True) -> Path:
    """Write the settings to the config file, and the secrets to the keyring or the secrets file.

    The secrets file is written readable by its owner only. Returns the config file's path.
    """
    file = Path(path) if path is not None else config_path()
    lines = []
    for key in _FILE_KEYS:
        value = getattr(settings, key)
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    if settings.workflows:
        lines.append("\n[workflows]")
        lines.extend(f"{event} = {_toml_value(workflow)}" for event, workflow in settings.workflows)
    file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(file, ("\n".join(lines) + "\n").encode("utf-8"))
    secrets = {"password": settings.password.reveal(), "shared_key": settings.shared_key.reveal()}
    if keyring and _keyring_set(settings.mailbox or "", secrets):
        secrets_path(file).unlink(missing_ok=True)  # the keyring holds them now: no stale copy
        return file
    target = secrets_path(file)
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in secrets.items() if v)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(target, 0o600)
    return file


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MeshSettingsError(f"{file}: cannot read the MESH settings ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MeshSettingsError(f"{file}: the MESH settings are not valid TOML ({exc})") from exc


def _stored_secrets(config: Path, values: dict[str, Any]) -> dict[str, str]:
    """Secrets from the keyring or the secrets file (never from a file others can read)."""
    found: dict[str, str] = {}
    if "password" in values or "shared_key" in values:
        raise MeshSettingsError(
            f"{config}: keep the password and shared key out of the config file "
            f"(use MESH_PASSWORD and MESH_SHARED_KEY, or {secrets_path(config).name})"
        )
    found.update(_keyring_get(str(values.get("mailbox") or "")))
    secret_file = secrets_path(config)
    if secret_file.exists():
        mode = secret_file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MeshSettingsError(
                f"{secret_file}: other users can read this secrets file; make it private (chmod 600) and try again"
            )
        for key, value in _read_toml(secret_file).items():
            if key in ("password", "shared_key") and isinstance(value, str):
                found.setdefault(key, value)
    return found


def _keyring() -> Any | None:
    try:
        import keyring  # type: ignore[import-not-found]
        from keyring.backends import fail  # type: ignore[import-not-found]
    except ImportError:
        return None
    return None if isinstance(keyring.get_keyring(), fail.Keyring) else keyring


def _keyring_get(mailbox: str) -> dict[str, str]:
    ring = _keyring()
    if ring is None or not mailbox:
        return {}
    found = {}
    for key in ("password", "shared_key"):
        try:
            value = ring.get_password(_KEYRING_SERVICE, f"{mailbox}:{key}")
        except Exception:  # a locked or broken keyring: fall back to the other sources
            value = None
        if value:
            found[key] = value
    return found


def _keyring_set(mailbox: str, secrets: dict[str, str]) -> bool:
    """Keep the secrets in the keyring (an empty one is removed from it); False when there is none."""
    ring = _keyring()
    if ring is None or not mailbox:
        return False
    try:
        for key, value in secrets.items():
            if value:
                ring.set_password(_KEYRING_SERVICE, f"{mailbox}:{key}", value)
            elif ring.get_password(_KEYRING_SERVICE, f"{mailbox}:{key}") is not None:
                ring.delete_password(_KEYRING_SERVICE, f"{mailbox}:{key}")
    except Exception:  # a locked or broken keyring: the caller writes the secrets file
        return False
    return True


def secrets_place(path: str | Path | None = None) -> str:
    """Where :func:`save_mesh_settings` keeps the password and shared key, in words."""
    if _keyring() is not None:
        return "the system keyring"
    file = secrets_path(Path(path) if path is not None else None)
    return f"{file} (readable by you only)"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
