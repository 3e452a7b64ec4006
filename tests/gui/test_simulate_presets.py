"""The Simulate window's receiver presets: the shipped ones and the user's TOML files, loaded into the
form and used by the next run; the list fields say what an empty list means."""

from __future__ import annotations

from pathlib import Path

import pytest
from guihelpers import make_simulate_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from workbench.core.acks.presets import EMPTY_MEANS, shipped_presets
from workbench.core.acks.settings import load_settings
from workbench.gui.simulate import presets as preset_module
from workbench.gui.simulate.settings_form import LIST_FIELDS
from workbench.gui.simulate.window import SimulateWindow

RUN_TIMEOUT_MS = 30_000


@pytest.fixture
def window(qtbot) -> SimulateWindow:
    return make_simulate_window(qtbot)


def test_every_list_field_says_what_empty_means(window: SimulateWindow) -> None:
    editors = window.settings_form.editors
    for name in LIST_FIELDS:
        editor = editors[name]
        assert isinstance(editor, QLineEdit)
        assert editor.placeholderText() == EMPTY_MEANS[name]
    assert editors["unauthorised_senders"].placeholderText() == "empty: no sender is rejected as unauthorised"
    assert editors["nhs_numbers"].placeholderText().startswith(EMPTY_MEANS["nhs_numbers"])


def test_a_shipped_preset_fills_the_form_and_the_next_run_uses_it(qtbot, window: SimulateWindow) -> None:
    shipped = shipped_presets()
    assert window.presets.titles() == [p.title for p in shipped]
    strict = next(p for p in shipped if p.name == "strict-gp")
    window.presets.choose(window.presets.titles().index(strict.title))
    assert window.settings_form.settings() == strict.settings
    with qtbot.waitSignal(window.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.send_panel.pattern_buttons["full"], Qt.MouseButton.LeftButton)
    assert blocker.args[0].receiver.ods == strict.settings.ods_code


def test_a_users_toml_file_is_loaded_remembered_and_saved(
    qtbot, window: SimulateWindow, tmp_path: Path, monkeypatch
) -> None:
    own = tmp_path / "my-receiver.toml"
    own.write_text('ods_code = "MYRCV"\nknown_senders = ["SND77"]\ndelay = 2.5\n', encoding="utf-8")
    monkeypatch.setattr(preset_module, "ask_settings_path", lambda parent, directory: str(own))
    qtbot.mouseClick(window.presets.load_button, Qt.MouseButton.LeftButton)
    assert window.settings_form.settings() == load_settings(own)
    assert window.presets.combo.currentText().startswith("my-receiver.toml")
    # the next Simulate window offers it after the shipped presets
    again = SimulateWindow(window._context)
    qtbot.addWidget(again)
    assert again.presets.user_files() == [str(own.resolve())]
    assert again.presets.titles()[-1].startswith("my-receiver.toml")
    # Save As writes what the form shows, and a loaded file reads back the same
    window.settings_form.editors["known_senders"].setText("SND77, SND78")
    saved = tmp_path / "saved.toml"
    monkeypatch.setattr(preset_module, "ask_save_settings_path", lambda parent, suggested: str(saved))
    with qtbot.waitSignal(window.presets.sig_saved):
        qtbot.mouseClick(window.presets.save_button, Qt.MouseButton.LeftButton)
    assert load_settings(saved).known_senders == ("SND77", "SND78")
    assert load_settings(saved) == window.settings_form.settings()


def test_a_toml_file_that_cannot_be_used_is_named(qtbot, window: SimulateWindow, tmp_path: Path, monkeypatch) -> None:
    before = window.settings_form.settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("delay = [\n", encoding="utf-8")
    monkeypatch.setattr(preset_module, "ask_settings_path", lambda parent, directory: str(broken))
    qtbot.mouseClick(window.presets.load_button, Qt.MouseButton.LeftButton)
    assert window.message_bar.level() == "error"
    assert str(broken) in window.message_bar.message()
    assert window.settings_form.settings() == before
    assert window.presets.user_files() == []
