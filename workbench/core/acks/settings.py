"""Receiver settings: who the simulated receiver is, what it accepts, how it answers.

:class:`ReceiverSettings` is a frozen dataclass; every field has a title and a description in
its metadata (for a settings form) and a default that makes a permissive receiver answering
20013 and 30001. Settings load from TOML (:func:`load_settings`), one key per field, for example::

    ods_code = "RCV01"
    mailbox = "RCV01OT001"
    known_senders = ["SND01"]          # empty: accept every sender
    business_code = "30001"
    forced = "20003"                   # or "none", "malformed", "truncated"; absent: decide
    delay = 2.0

    [nhs_numbers]                      # business outcome by NHS number (as the NHS harness)
    "9434765919" = "30001"
    "9999999468" = "30002"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from workbench.core.catalogue import catalogue
from workbench.core.clock import check_seconds
from workbench.core.errors import WorkbenchError

#: Forced outcomes besides a response code: send nothing, or a broken Response.
FORCED_WORDS = ("none", "malformed", "truncated")
SYNTAXES = ("xml", "json")
#: Settings that are lists of words (codes, ids, types, definitions).
LIST_FIELDS = (
    "known_senders",
    "unauthorised_senders",
    "known_recipient_organisations",
    "known_recipient_persons",
    "supported_message_definitions",
    "approved_content_types",
    "supported_content_types",
)
_DEFAULT_SIZE_LIMIT = 5 * 1024 * 1024  # the ITK3 recommended maximum (FACTS §4.3, 20015)
#: A settings file is a few hundred bytes; anything past this is not one (and is not read whole).
MAX_SETTINGS_BYTES = 1024 * 1024
_CONTROL = re.compile("[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class SettingsError(WorkbenchError, ValueError):
    """Receiver settings that cannot be used (unknown key, bad value, unreadable file)."""


def _f(default: Any, title: str, description: str) -> Any:
    return field(default=default, metadata={"title": title, "description": description})


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    """How the simulated receiver behaves (FACTS §4-§5). Empty lists accept everything."""

    ods_code: str = _f("RCV01", "ODS code", "The receiving organisation's ODS code: the sender of its Responses.")
    mailbox: str = _f("RCV01OT001", "MESH mailbox", "The receiver's MESH mailbox: source.endpoint of its Responses.")
    known_senders: tuple[str, ...] = _f(
        (), "Known senders", "ODS codes or SDS user ids of senders this receiver knows; others get 20003. Empty: all."
    )
    unauthorised_senders: tuple[str, ...] = _f(
        (), "Unauthorised senders", "ODS codes or SDS user ids this receiver is configured to reject (20012)."
    )
    known_recipient_organisations: tuple[str, ...] = _f(
        (),
        "Known recipient organisations",
        "ODS codes this receiver serves; another header recipient gets 20002, another organisation the "
        "payload names as a recipient 20010. Empty: all.",
    )
    known_recipient_persons: tuple[str, ...] = _f(
        (),
        "Known recipient persons",
        "SDS user ids this receiver serves; another header recipient gets 20001, another person the payload "
        "names as a recipient 20011. Empty: all.",
    )
    supported_message_definitions: tuple[str, ...] = _f(
        (),
        "Supported MessageDefinitions",
        "MessageDefinitions (URLs or names such as ITK-eDischarge-MessageDefinition-4) this receiver supports; "
        "another version of one of them gets 10005, another message type 10004. Empty: all.",
    )
    approved_content_types: tuple[str, ...] | None = _f(
        None, "Approved attachment types", "MIME types approved for the domain (20004). Empty: the catalogue's list."
    )
    supported_content_types: tuple[str, ...] | None = _f(
        None, "Supported attachment types", "MIME types this receiver can handle (20005). Empty: every approved type."
    )
    size_limit: int = _f(_DEFAULT_SIZE_LIMIT, "Size limit (bytes)", "Larger messages or attachments get 20015.")
    business_code: str = _f("30001", "Business outcome", "The business response code when no rule applies.")
    nhs_numbers: tuple[tuple[str, str], ...] = _f(
        (), "Outcome by NHS number", "Pairs (NHS number, response code) deciding the outcome for that patient."
    )
    given_name_outcomes: bool = _f(
        False,
        "Outcome by first given name",
        "As the NHS test harness: a Patient's or Practitioner's first given name that is a response code, "
        "'noresponse', 'invrep' or 'IB0nn' forces that outcome. Off by default: a plain receiver decides from the message alone.",
    )
    forced: str | None = _f(
        None, "Forced outcome", "Any response code, 'none' (send nothing), 'malformed' or 'truncated'; empty: decide."
    )
    delay: float = _f(0.0, "Delay (s)", "Seconds between receiving the message and sending the first Response.")
    business_delay: float | None = _f(
        None, "Business delay (s)", "Seconds between the infrastructure and the business Response (default: delay)."
    )
    recipient_type: str = _f(
        "FI", "Responses' RecipientType", "FI (default, as the NHS harness) or FA (as the examples)."
    )
    full_acknowledgement: bool = _f(
        True,
        "Full acknowledgement",
        "Business Responses ask for an infrastructure Response back (InfAckRequested=true).",
    )
    check_duplicates: bool = _f(True, "Check duplicates", "Reject messages (20007) and documents (20008) seen before.")
    replacements_need_original: bool = _f(
        False,
        "Replacements need the original",
        "Answer 20014 to a replacement document whose original (by Composition identifier) this receiver has not "
        "accepted, as it has nothing to replace. Off: every replacement is processed.",
    )
    syntax: str = _f("xml", "Response syntax", "Write Responses as FHIR xml (default) or json.")

    def __post_init__(self) -> None:
        cat = catalogue()
        for code in (self.business_code, *(c for _, c in self.nhs_numbers)):
            found = cat.response(code)
            if found is None or not found.is_business:
                raise SettingsError(f"{code!r} is not a business response code (30001 ... 30025)")
        if self.forced is not None and self.forced not in FORCED_WORDS and cat.response(self.forced) is None:
            raise SettingsError(
                f"forced outcome {self.forced!r} is not a response code nor one of {', '.join(FORCED_WORDS)}"
            )
        if cat.recipient_type(self.recipient_type) is None:
            raise SettingsError(f"recipient_type {self.recipient_type!r} is not FA or FI")
        if self.syntax not in SYNTAXES:
            raise SettingsError(f"syntax {self.syntax!r} is not xml or json")
        try:
            check_seconds(self.delay, "delay")
            if self.business_delay is not None:
                check_seconds(self.business_delay, "business_delay")
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        if self.size_limit <= 0:
            raise SettingsError("size_limit must be a positive number of bytes")
        if not self.ods_code.strip() or not self.mailbox.strip():
            raise SettingsError("ods_code and mailbox cannot be empty")
        for spec in fields(self):
            _check_text(spec.name, getattr(self, spec.name))

    # ---- derived -------------------------------------------------------------------------

    @property
    def approved(self) -> tuple[str, ...]:
        """The approved attachment types in force (lower case, no parameters)."""
        listed = self.approved_content_types or catalogue().approved_content_types
        return tuple(_bare(t) for t in listed)

    @property
    def customised_approval(self) -> bool:
        """True when the approved list differs from the catalogue's."""
        return set(self.approved) != {_bare(t) for t in catalogue().approved_content_types}

    def outcome_for_nhs_number(self, number: str) -> str | None:
        """The response code a rule gives for this NHS number (spaces ignored), or None."""
        wanted = "".join(number.split())
        return next((code for n, code in self.nhs_numbers if "".join(n.split()) == wanted), None)

    @property
    def second_delay(self) -> float:
        """Seconds between the first and the second Response."""
        return self.delay if self.business_delay is None else self.business_delay

    def changed(self, **changes: Any) -> ReceiverSettings:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_toml(self) -> str:
        """These settings as TOML that :func:`settings_from_toml` reads back."""
        lines = ["# ITK3 workbench receiver settings"]
        table: list[str] = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name == "nhs_numbers":
                table = ["", "[nhs_numbers]", *(f"{_toml(n)} = {_toml(c)}" for n, c in value)]
            elif value is not None:
                lines.append(f"{spec.name} = {_toml(value)}")
        return "\n".join([*lines, *table]) + "\n"


def _check_text(name: str, value: Any) -> None:
    """Settings end up in Responses and file names: no control characters (XML cannot carry them)."""
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, tuple):
        texts = [v for item in value for v in (item if isinstance(item, tuple) else (item,)) if isinstance(v, str)]
    else:
        return
    for text in texts:
        bad = _CONTROL.search(text)
        if bad is not None:
            raise SettingsError(
                f"{name} holds the control character U+{ord(bad.group()):04X}, which a Response cannot carry"
            )


def _bare(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def field_info() -> list[tuple[str, str, str]]:
    """(name, title, description) of every setting, in order, for forms and help."""
    return [(f.name, f.metadata["title"], f.metadata["description"]) for f in fields(ReceiverSettings)]


def settings_from_mapping(data: dict[str, Any]) -> ReceiverSettings:
    """Settings from a mapping of field names to plain values (as TOML gives them).

    Raises:
        SettingsError: an unknown key or a value of the wrong type.
    """
    specs = {f.name: f for f in fields(ReceiverSettings)}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = specs.get(key)
        if spec is None:
            raise SettingsError(f"unknown setting {key!r}; known settings: {', '.join(specs)}")
        values[key] = _convert(key, raw, spec.default)
    try:
        return ReceiverSettings(**values)
    except TypeError as exc:  # pragma: no cover - keys are checked above
        raise SettingsError(str(exc)) from None


def _convert(key: str, raw: Any, default: Any) -> Any:
    if key == "nhs_numbers":
        if not isinstance(raw, dict) or not all(isinstance(v, str | int) for v in raw.values()):
            raise SettingsError('nhs_numbers must be a table of NHS number = "response code"')
        return tuple((str(n), str(c)) for n, c in raw.items())
    if key in LIST_FIELDS:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise SettingsError(f"{key} must be a list of strings")
        return tuple(raw) or (None if default is None else ())
    if key in ("given_name_outcomes", "full_acknowledgement", "check_duplicates", "replacements_need_original"):
        if not isinstance(raw, bool):
            raise SettingsError(f"{key} must be true or false")
        return raw
    if key in ("delay", "business_delay"):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise SettingsError(f"{key} must be a number of seconds")
        return float(raw)
    if key == "size_limit":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise SettingsError("size_limit must be a whole number of bytes")
        return raw
    if key in ("forced", "business_code") and isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise SettingsError(f"{key} must be a string")
    if key == "forced" and raw.strip().lower() in ("", "decide"):
        return None
    return raw.strip()


def settings_from_toml(text: str) -> ReceiverSettings:
    """Settings from TOML text (see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"not valid TOML: {exc}") from None
    except RecursionError:
        raise SettingsError("not valid TOML: arrays or tables nest too deeply") from None
    return settings_from_mapping(data)


def load_settings(path: str | Path) -> ReceiverSettings:
    """Read receiver settings from a TOML file.

    Raises:
        SettingsError: the file is missing, unreadable or holds bad settings.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SETTINGS_BYTES + 1)
        if len(data) > MAX_SETTINGS_BYTES:
            raise SettingsError(
                f"{path}: larger than {MAX_SETTINGS_BYTES // 1024} KB; receiver settings are a short file"
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SettingsError(f"{path}: this is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read it ({exc})") from None
    try:
        return settings_from_toml(text)
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None
