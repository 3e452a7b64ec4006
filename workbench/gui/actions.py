"""The window's menus and shortcuts as one declarative table, and the builder that makes QActions.

Each :class:`ActionSpec` names the method of the window it calls, so the table reads as the
menu does and tests can trigger any action by its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from workbench.core.edits import is_primitive
from workbench.core.session import MessageSession
from workbench.core.tree import Node
from workbench.gui.context import RecentFiles


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One menu entry.

    Attributes:
        key: The action's name in the window's ``actions`` dict.
        text: The menu text (``&`` marks the mnemonic).
        handler: The window method called (``part.method`` calls a method of the window's
            attribute ``part``); checkable actions pass their new state. None for a submenu.
        shortcut: The key sequence, if any; several are separated by ``;`` (the first is shown).
        tip: The status-bar tip.
        checkable: The action is a toggle.
        checked: A toggle's initial state.
        submenu: The entry is a submenu the window fills (``menus[key]``).
    """

    key: str
    text: str
    handler: str | None = None
    shortcut: str | None = None
    tip: str = ""
    checkable: bool = False
    checked: bool = False
    submenu: bool = False


#: None separates groups within a menu.
MENUS: tuple[tuple[str, tuple[ActionSpec | None, ...]], ...] = (
    (
        "&File",
        (
            ActionSpec(
                "new", "&New Message…", "composer.new_message", "Ctrl+N", "Start a new ITK3 message for an event"
            ),
            ActionSpec(
                "new_response",
                "New Res&ponse…",
                "composer.new_response",
                None,
                "Make the ITK Response a receiver would send for the message shown",
            ),
            ActionSpec("open", "&Open…", "open_dialog", "Ctrl+O", "Open FHIR XML or JSON messages, each in a tab"),
            ActionSpec("recent", "Open &Recent", submenu=True),
            None,
            ActionSpec(
                "attach",
                "&Attach…",
                "composer.attach_dialog",
                "Ctrl+Shift+A",
                "Attach a FHIR document, other FHIR resources or any file (as a Binary) to the message",
            ),
            None,
            ActionSpec("save_xml", "Save As &XML…", "save_as_xml", None, "Save the message as FHIR XML"),
            ActionSpec("save_json", "Save As &JSON…", "save_as_json", None, "Save the message as FHIR JSON"),
            None,
            ActionSpec(
                "save_masked",
                "Save &Masked Copy…",
                "toolkit.save_masked_copy",
                None,
                "Save a copy with the patient's data replaced, to share the message",
            ),
            ActionSpec(
                "export_report",
                "Export &Report…",
                "toolkit.export_report",
                None,
                "Write the message's validation as one self-contained HTML file",
            ),
            ActionSpec(
                "export_report_all",
                "Export Report of &All Tabs…",
                "toolkit.export_report_all",
                None,
                "Write the validation of every open message as one self-contained HTML file",
            ),
            ActionSpec(
                "export_evidence",
                "Export &Evidence…",
                "toolkit.export_evidence",
                None,
                "Pack the message, its Responses, the report and the conversation into one zip with a manifest",
            ),
            None,
            ActionSpec("close", "&Close Tab", "close_current_tab", "Ctrl+W", "Close the message shown"),
            ActionSpec("quit", "&Quit", "close", "Ctrl+Q", "Quit the workbench"),
        ),
    ),
    (
        "&Edit",
        (
            ActionSpec("undo", "&Undo", "undo", "Ctrl+Z", "Undo the last edit"),
            ActionSpec("redo", "&Redo", "redo", "Ctrl+Shift+Z", "Redo the edit undone last"),
            None,
            ActionSpec("copy", "&Copy", "composer.editing.copy_element", "Ctrl+C", "Copy the element as FHIR text"),
            ActionSpec(
                "paste",
                "&Paste",
                "composer.editing.paste_element",
                "Ctrl+V",
                "Paste FHIR XML or JSON text at the selected element",
            ),
            ActionSpec(
                "duplicate",
                "D&uplicate",
                "composer.editing.duplicate_element",
                "Ctrl+D",
                "Put a copy of the element (or whole entry) after it",
            ),
            None,
            ActionSpec("add", "&Add", submenu=True),
            ActionSpec("edit_value", "Edit &Value", "edit_value", "F2", "Edit the value of the selected element"),
            ActionSpec(
                "delete_element",
                "&Delete Element",
                "delete_element",
                "Del",
                "Delete the selected element (Undo brings it back)",
            ),
            ActionSpec(
                "move_up", "Move &Up", "composer.editing.move_up", "Alt+Up", "Move the element before the previous one"
            ),
            ActionSpec(
                "move_down",
                "Move Do&wn",
                "composer.editing.move_down",
                "Alt+Down",
                "Move the element after the next one",
            ),
            None,
            ActionSpec(
                "insert_nhs_number",
                "Insert Test &NHS Number",
                "composer.editing.insert_nhs_number",
                None,
                "Set the value to a valid NHS number from the 999 test range",
            ),
            ActionSpec(
                "insert_uuid", "Insert U&UID", "composer.editing.insert_uuid", None, "Set the value to a new UUID"
            ),
            ActionSpec(
                "insert_now",
                "Insert Current &Instant",
                "composer.editing.insert_now",
                None,
                "Set the value to the current moment",
            ),
            ActionSpec(
                "set_from_file",
                "Set From &File…",
                "composer.editing.set_from_file",
                None,
                "Set a base64Binary value from a file's bytes",
            ),
        ),
    ),
    (
        "&View",
        (
            ActionSpec(
                "show_comments",
                "Show &Comments",
                "set_show_comments",
                None,
                "Show the XML comments of the message in the structure tree",
                checkable=True,
                checked=True,
            ),
            None,
            ActionSpec("expand_all", "&Expand All", "expand_all", "Ctrl+Shift+E", "Open every row of the tree"),
            ActionSpec("collapse_all", "C&ollapse All", "collapse_all", "Ctrl+Shift+C", "Close every row of the tree"),
            None,
            ActionSpec(
                "messages",
                "&Messages",
                "mesh.set_messages_visible",
                "Ctrl+Shift+M",
                "Show every message sent, received or imported, kept in the message store",
                checkable=True,
            ),
            None,
            ActionSpec("next_tab", "&Next Tab", "next_tab", "Ctrl+Tab;Ctrl+PgDown", "Show the next message"),
            ActionSpec(
                "previous_tab",
                "&Previous Tab",
                "previous_tab",
                "Ctrl+Shift+Tab;Ctrl+Shift+Backtab;Ctrl+PgUp",
                "Show the previous message",
            ),
        ),
    ),
    (
        "&Tools",
        (
            ActionSpec(
                "simulate",
                "&Simulate Round Trip…",
                "show_simulate",
                "Ctrl+Shift+R",
                "Send the message (or a sample) to a simulated receiver and draw the round trip",
            ),
            ActionSpec(
                "compare",
                "&Compare…",
                "toolkit.compare_dialog",
                "Ctrl+Shift+D",
                "Compare two messages (open tabs or files) side by side",
            ),
            ActionSpec(
                "make_negative",
                "Make &Negative Test…",
                "composer.make_negative",
                None,
                "A copy of the message that a receiver answers with the code you choose",
            ),
        ),
    ),
    (
        "&MESH",
        (
            ActionSpec(
                "mesh_send",
                "&Send Over MESH…",
                "mesh.send_current",
                "Ctrl+Return",
                "Send the message shown to a mailbox",
            ),
            ActionSpec(
                "mesh_poll", "&Poll Now", "mesh.poll_now", "F5", "Fetch what waits in the mailbox, and answer it"
            ),
            ActionSpec("mesh_retry", "&Retry Failed", "mesh.retry_failed", None, "Send again what could not be sent"),
            None,
            ActionSpec(
                "mesh_auto_respond",
                "&Auto-Respond",
                "mesh.set_auto_respond",
                None,
                "Answer what arrives as the receiver would (receiver settings in Settings › MESH…)",
                checkable=True,
            ),
            None,
            ActionSpec(
                "mesh_local",
                "Start &Local MESH",
                "mesh.toggle_local",
                None,
                "Run a MESH server (mesh-sandbox) on this computer, with test mailboxes",
            ),
            ActionSpec(
                "mesh_use_local",
                "&Use Local MESH",
                "mesh.set_use_local",
                None,
                "While the local MESH runs, use it instead of your own MESH settings",
                checkable=True,
            ),
        ),
    ),
    (
        "&Settings",
        (
            ActionSpec(
                "profiles",
                "&Profiles…",
                "show_profiles",
                None,
                "The profiles, value sets and code systems validation uses",
            ),
            ActionSpec(
                "mesh_settings",
                "&MESH…",
                "mesh.show_settings",
                None,
                "The MESH endpoint, your mailbox and its secrets, workflows, polling, the auto-responder",
            ),
            ActionSpec(
                "reopen_tabs",
                "&Reopen Tabs at Start",
                "set_reopen_tabs",
                None,
                "Open the files of the last run again when the workbench starts",
                checkable=True,
                checked=True,
            ),
        ),
    ),
    ("&Help", (ActionSpec("about", "&About ITK3 Message Workbench", "show_about"),)),
)

#: Actions that need a message that could be read.
DOCUMENT_ACTIONS = ("save_xml", "save_json", "expand_all", "collapse_all")
#: Actions that need at least one tab (two for moving between them).
TAB_ACTIONS = ("close", "next_tab", "previous_tab")
#: Actions on the selected row of the structure tree: their keys work while the tree has focus.
TREE_ACTIONS = (
    "edit_value",
    "delete_element",
    "copy",
    "paste",
    "duplicate",
    "move_up",
    "move_down",
)


def build_menus(window: QMainWindow, menus: tuple = MENUS) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Create the menu bar's menus and actions from the table.

    Args:
        window: The window whose methods the actions call and whose menu bar they fill.
        menus: The table.

    Returns:
        The actions by key, and the submenus by key.
    """
    actions: dict[str, QAction] = {}
    submenus: dict[str, QMenu] = {}
    for title, entries in menus:
        menu = window.menuBar().addMenu(title)
        for spec in entries:
            if spec is None:
                menu.addSeparator()
                continue
            if spec.submenu:
                submenus[spec.key] = menu.addMenu(spec.text)
                continue
            action = QAction(spec.text, window)
            action.setObjectName(f"action_{spec.key}")
            if spec.shortcut:
                action.setShortcuts([QKeySequence(keys) for keys in spec.shortcut.split(";")])
            if spec.tip:
                action.setStatusTip(spec.tip)
            handler: Callable[..., object] = _resolve(window, spec.handler or "")
            if spec.checkable:
                action.setCheckable(True)
                action.setChecked(spec.checked)
                action.toggled.connect(handler)
            else:
                action.triggered.connect(lambda _checked=False, call=handler: call())
            menu.addAction(action)
            actions[spec.key] = action
    return actions, submenus


def _resolve(window: QMainWindow, handler: str) -> Callable[..., object]:
    """The method a spec names: ``close`` on the window, or ``mesh.poll_now`` on one of its parts."""
    target: object = window
    for name in handler.split("."):
        target = getattr(target, name)
    return target  # type: ignore[return-value]


def fill_recent_menu(menu: QMenu, recent: RecentFiles, open_path: Callable[[str], object]) -> None:
    """Fill File › Open Recent: one entry per file (most recent first) and "Clear Recent"."""
    menu.clear()
    paths = recent.paths()
    for number, path in enumerate(paths, 1):
        action = menu.addAction(f"&{number % 10}  {Path(path).name}")
        action.setStatusTip(path)
        action.setToolTip(path)
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    if paths:
        menu.addSeparator()
        menu.addAction("Clear Recent").triggered.connect(lambda _checked=False: recent.clear())
    else:
        menu.addAction("No recent files").setEnabled(False)


def scope_actions(actions: dict[str, QAction], keys: tuple[str, ...], widget: QWidget) -> None:
    """Make these actions' shortcuts work only while ``widget`` (or a child of it) has focus.

    The actions still work from menus and toolbar buttons; their keys keep their usual meaning
    in other widgets (Space clicks a focused button, Del deletes text in a search field).
    """
    for key in keys:
        action = actions[key]
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        widget.addAction(action)


def tree_actions(actions: dict[str, QAction], tree: QWidget) -> None:
    """Make the tree's row actions' shortcuts work only while the tree has focus.

    Del and F2 then keep their usual meaning in other widgets (the issues panel's search field).
    """
    scope_actions(actions, TREE_ACTIONS, tree)


def update_edit_actions(actions: dict[str, QAction], session: MessageSession | None, node: Node | None) -> None:
    """Enable Edit's actions for a message's history and its selected node; name what Undo/Redo do."""
    for key, can, text in (
        ("undo", session is not None and session.can_undo, session.undo_text if session is not None else ""),
        ("redo", session is not None and session.can_redo, session.redo_text if session is not None else ""),
    ):
        action = actions[key]
        action.setEnabled(can)
        title = f"&{key.capitalize()}"
        action.setText(f"{title} {text}" if can and text else title)
    editable = session is not None and session.readable and node is not None
    actions["edit_value"].setEnabled(editable and is_primitive(node))  # type: ignore[arg-type]
    actions["delete_element"].setEnabled(editable and node.parent is not None)  # type: ignore[union-attr]
