"""Receiver settings: defaults, checks, TOML in and out, the shipped examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.acks.settings import (
    ReceiverSettings,
    SettingsError,
    field_info,
    load_settings,
    settings_from_toml,
)
from workbench.core.catalogue import catalogue
from workbench.core.clock import check_seconds
from workbench.core.resources import resource_path


def test_defaults_are_a_permissive_receiver() -> None:
    settings = ReceiverSettings()
    assert settings.business_code == "30001"
    assert settings.recipient_type == "FI"
    assert settings.full_acknowledgement and settings.check_duplicates
    assert settings.size_limit == catalogue().size_limit_bytes
    assert settings.approved == tuple(catalogue().approved_content_types)
    assert not settings.customised_approval
    assert settings.forced is None and not settings.given_name_outcomes


@pytest.mark.parametrize(
    "bad",
    [
        {"business_code": "20013"},
        {"business_code": "99999"},
        {"nhs_numbers": (("9434765919", "10001"),)},
        {"forced": "nonsense"},
        {"forced": "10006"},
        {"recipient_type": "XX"},
        {"syntax": "yaml"},
        {"delay": -1.0},
        {"business_delay": -0.5},
        {"size_limit": 0},
        {"ods_code": " "},
    ],
)
def test_bad_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        ReceiverSettings(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("forced", ["10001", "20015", "30025", "none", "malformed", "truncated"])
def test_any_code_or_word_can_be_forced(forced: str) -> None:
    assert ReceiverSettings(forced=forced).forced == forced


def test_toml_round_trip() -> None:
    settings = ReceiverSettings(
        known_senders=("A1", "B2"),
        approved_content_types=("application/pdf",),
        nhs_numbers=(("9434765919", "30002"),),
        forced="malformed",
        delay=2.5,
        full_acknowledgement=False,
    )
    again = settings_from_toml(settings.to_toml())
    assert again == settings
    assert again.customised_approval
    assert again.outcome_for_nhs_number("943 476 5919") == "30002"
    assert again.outcome_for_nhs_number("9000000009") is None


def test_toml_values_are_converted_and_checked() -> None:
    settings = settings_from_toml("forced = 20003\nbusiness_code = 30002\ndelay = 3\nsupported_content_types = []\n")
    assert settings.forced == "20003" and settings.business_code == "30002"
    assert settings.delay == 3.0 and isinstance(settings.delay, float)
    assert settings.supported_content_types is None
    assert settings_from_toml('forced = "decide"\n').forced is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("colour = 1\n", "unknown setting 'colour'"),
        ('known_senders = "A1"\n', "list of strings"),
        ('delay = "soon"\n', "number of seconds"),
        ("check_duplicates = 1\n", "true or false"),
        ("size_limit = 1.5\n", "whole number"),
        ("nhs_numbers = 3\n", "table"),
        ("ods_code = \n", "not valid TOML"),
        ('recipient_type = "XX"\n', "FA or FI"),
    ],
)
def test_bad_toml_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        settings_from_toml(text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such file"):
        load_settings(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('forced = "nonsense"\n')
    with pytest.raises(SettingsError, match=str(bad)):
        load_settings(bad)


@pytest.mark.parametrize("name", ["default.toml", "nhs-harness.toml", "strict-gp.toml"])
def test_shipped_example_settings_load(name: str) -> None:
    settings = load_settings(resource_path("receiver", name))
    assert settings.ods_code and settings.mailbox


def test_default_example_file_is_the_defaults() -> None:
    assert load_settings(resource_path("receiver", "default.toml")) == ReceiverSettings()


def test_every_field_has_a_title_and_description() -> None:
    info = field_info()
    assert len(info) == len(ReceiverSettings.__dataclass_fields__)
    assert all(title and description for _, title, description in info)


def test_changed_makes_a_checked_copy() -> None:
    base = ReceiverSettings()
    assert base.changed(forced="none").forced == "none" and base.forced is None
    with pytest.raises(SettingsError):
        base.changed(business_code="1")


def test_the_shipped_presets_load_and_empty_lists_are_explained() -> None:
    from workbench.core.acks.presets import EMPTY_MEANS, shipped_presets
    from workbench.core.acks.settings import ReceiverSettings

    presets = shipped_presets()
    assert [p.name for p in presets] == ["default", "nhs-harness", "strict-gp"]
    assert presets[0].title == "Permissive receiver (the default)"
    strict = next(p for p in presets if p.name == "strict-gp")
    assert strict.title == "A strict GP practice receiver" and strict.settings.size_limit == 2097152
    harness = next(p for p in presets if p.name == "nhs-harness")
    assert harness.settings.given_name_outcomes and "FACTS" not in harness.path.read_text()
    from dataclasses import fields

    empty = {f.name for f in fields(ReceiverSettings) if getattr(ReceiverSettings(), f.name) in ((), None)}
    assert set(EMPTY_MEANS) <= empty
    assert EMPTY_MEANS["unauthorised_senders"] == "empty: no sender is rejected as unauthorised"


# ---- hostile settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["delay = inf", "delay = nan", "delay = -inf", "delay = 1e308", "business_delay = inf", "delay = 31622401"],
)
def test_delays_must_be_finite_and_at_most_a_year(line: str) -> None:
    with pytest.raises(SettingsError, match="delay must be a number of seconds"):
        settings_from_toml(line)


@pytest.mark.parametrize(
    "line",
    [
        'ods_code = "A\\u0000B"',
        'mailbox = "M\\u0007"',
        'known_senders = ["X26", "a\\u0000"]',
        '[nhs_numbers]\n"943\\u0000" = "30001"',
    ],
)
def test_control_characters_are_refused_naming_the_setting(line: str) -> None:
    with pytest.raises(SettingsError, match="control character U\\+00"):
        settings_from_toml(line)


def test_toml_nested_beyond_the_parser_is_an_error_not_a_crash() -> None:
    with pytest.raises(SettingsError, match="nest too deeply"):
        settings_from_toml("x = " + "[" * 100_000 + "]" * 100_000)


def test_a_settings_file_is_read_with_a_bound() -> None:
    with pytest.raises(SettingsError, match="larger than"):
        load_settings("/dev/zero")


@pytest.mark.parametrize(
    ("value", "positive"), [(float("inf"), False), (float("nan"), False), (0.0, True), (-1.0, False)]
)
def test_simulation_times_are_checked(value: float, positive: bool) -> None:
    with pytest.raises(ValueError, match="must be a number of seconds"):
        check_seconds(value, "--timeout", positive=positive)
    assert check_seconds(2.5, "--latency") == 2.5
