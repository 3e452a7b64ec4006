"""Editing anything in the structure tree: Add ▸, move, copy, paste, duplicate, test data.

The Edit menu's entries and the tree's context menu act on the selected row of the tab shown,
each through the core and the session (one undoable step each):

* **Add ▸** lists the children the core offers for the element
  (:func:`~workbench.core.compose.children.child_options`: STU3's elements in order, then the
  loaded profiles' slices), each with its cardinality; an entry at its maximum (or forbidden,
  or a choice already made) is disabled and its tooltip says why; one missing (fewer than the
  minimum) says so. Adding a complex element adds what it must contain; a primitive opens its
  value editor.
* **Move Up/Down** among the repeats of an element (a resource moves with its entry);
  **Duplicate** an element or a whole entry (a fresh id and fullUrl).
* **Copy** puts the element on the system clipboard as FHIR text in the message's syntax (the
  context menu offers the other syntax too); **Paste** reads FHIR XML or JSON text from the
  clipboard, from this tab, another tab or another program.
* **Insert** test data into the selected value: an NHS number from the 999 test range (modulus
  11), a UUID, the current instant; a base64Binary value **from a file**. Each is checked like a
  typed value first.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QFont, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from workbench.core.compose.children import ChildOption, add_child, child_options
from workbench.core.compose.skeleton import ComposeError
from workbench.core.compose.testdata import new_uuid, nhs_test_number, now_instant
from workbench.core.compose.values import base64_of_file, editor_for
from workbench.core.edits import (
    Edit,
    EditError,
    MoveElement,
    can_move,
    copy_text,
    duplicate,
    in_tree,
    is_primitive,
    movable,
    paste,
)
from workbench.core.edits.structure import repeats
from workbench.core.session import MessageSession
from workbench.core.stu3.typeinfo import element_def_of
from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, XHTML, Node
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.gui.compose import value_delegate
from workbench.gui.compose.host import ComposeHost
from workbench.gui.context import AppContext
from workbench.gui.documents.tab import MessageTab

#: The Edit menu's actions this module runs (their keys in the window's action table).
EDIT_ACTIONS = (
    "copy",
    "paste",
    "duplicate",
    "move_up",
    "move_down",
    "insert_nhs_number",
    "insert_uuid",
    "insert_now",
    "set_from_file",
)
SYNTAX_NAMES = {"xml": "FHIR XML", "json": "FHIR JSON"}


def profile_registry(context: AppContext) -> ProfileRegistry | None:
    """The profiles loaded now (never waits for a load; None until one is done)."""
    loaded = context.profiles.current()
    return loaded.registry if loaded is not None else None


def option_text(option: ChildOption) -> str:
    """How Add ▸ names a child: ``identifier  0..*``, with how many there are and whether one is missing."""
    text = f"{option.label}  {option.cardinality}"
    if option.count:
        text += f"  ({option.count} present)"
    if option.missing and not option.forbidden:
        text += "  — required"
    return text


class TreeEditing:
    """The tree's editing actions over the tab shown.

    Args:
        host: The window.
        context: The application context (the profiles Add ▸ and the value checks read).
    """

    def __init__(self, host: ComposeHost, context: AppContext) -> None:
        self._host = host
        self._context = context

    # ------------------------------------------------------------------------------ targets

    def _target(self) -> tuple[MessageTab, MessageSession, Node] | None:
        tab = self._host.current_tab()
        session = tab.session if tab is not None else None
        if tab is None or tab.inspector is None or session is None or session.document is None:
            return None
        node = tab.inspector.tree.current_node()
        return (tab, session, node) if node is not None else None

    def registry(self) -> ProfileRegistry | None:
        """Return the profiles loaded now, if any."""
        return profile_registry(self._context)

    def _apply(self, tab: MessageTab, session: MessageSession, edit: Edit, select: Node | None = None) -> bool:
        """Apply an edit; select ``select`` (default: the first node the edit made); report a refusal."""
        try:
            changed = session.apply(edit)
        except (EditError, ComposeError) as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        chosen = select or (changed[0] if changed else None)
        document = session.document
        if chosen is not None and tab.inspector is not None and document is not None and in_tree(chosen, document):
            tab.inspector.tree.select_node(chosen)
        self._host.statusBar().showMessage(edit.description, 5000)
        return True

    # ------------------------------------------------------------------------------ actions

    def copy_element(self, syntax: str | None = None) -> str | None:
        """Put the selected element on the clipboard as FHIR text (Edit › Copy); return the text."""
        found = self._target()
        if found is None:
            return None
        _tab, session, node = found
        chosen = syntax or session.syntax
        try:
            text = copy_text(node, chosen)
        except (EditError, ValueError) as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return None
        QGuiApplication.clipboard().setText(text)
        self._host.statusBar().showMessage(f"Copied {node.name} as {SYNTAX_NAMES[chosen]}", 5000)
        return text

    def paste_element(self) -> bool:
        """Paste FHIR XML or JSON text from the clipboard at the selected row (Edit › Paste)."""
        tab = self._host.current_tab()
        session = tab.session if tab is not None else None
        if tab is None or tab.inspector is None or session is None or session.document is None:
            return False
        node = tab.inspector.tree.current_node() or session.document.root
        try:
            edit = paste(session.document, node, QGuiApplication.clipboard().text())
        except EditError as exc:
            self._host.message_bar.show_message(f"Nothing was pasted: {exc}", "warning")
            return False
        return self._apply(tab, session, edit)

    def duplicate_element(self) -> bool:
        """Put a copy of the selected element (or whole entry) after it (Edit › Duplicate)."""
        found = self._target()
        if found is None:
            return False
        tab, session, node = found
        try:
            edit = duplicate(node, session.document)  # type: ignore[arg-type]
        except EditError as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        return self._apply(tab, session, edit)

    def move_up(self) -> bool:
        """Move the selected element before the previous of its name (Edit › Move Up)."""
        return self._move(-1)

    def move_down(self) -> bool:
        """Move the selected element after the next of its name (Edit › Move Down)."""
        return self._move(1)

    def _move(self, offset: int) -> bool:
        found = self._target()
        if found is None:
            return False
        tab, session, node = found
        try:
            edit = MoveElement(movable(node), offset)
        except EditError as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        return self._apply(tab, session, edit, select=node)

    def add(self, option: ChildOption, parent: Node | None = None) -> bool:
        """Add a child to the selected element (or ``parent``) with what it must contain (Add ▸)."""
        tab = self._host.current_tab()
        session = tab.session if tab is not None else None
        if tab is None or tab.inspector is None or session is None or session.document is None:
            return False
        target = parent or tab.inspector.tree.current_node()
        if target is None:
            return False
        try:
            edit = add_child(session.document, target, option, self.registry())
        except (EditError, ComposeError) as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        if not self._apply(tab, session, edit):
            return False
        tree = tab.inspector.tree
        added = edit.node
        tree.expand_node(added)
        if is_primitive(added) and added.value is None:
            tree.edit_current()  # a value only the user can give: ask for it now
        return True

    def insert_nhs_number(self) -> bool:
        """Set the selected value to a valid NHS number from the 999 test range."""
        return self._insert("an NHS number", nhs_test_number())

    def insert_uuid(self) -> bool:
        """Set the selected value to a fresh UUID."""
        return self._insert("a UUID", new_uuid())

    def insert_now(self) -> bool:
        """Set the selected value to the current instant (a date keeps only the date)."""
        found = self._target()
        if found is None:
            return False
        _tab, session, node = found
        spec = editor_for(node, session.document, self.registry()) if node.parent is not None else None  # type: ignore[arg-type]
        value = spec.now() if spec is not None and spec.has_now else now_instant()
        return self._insert("the current moment", value)

    def set_from_file(self) -> bool:
        """Set the selected base64Binary value from a file's bytes (Edit › Set From File…)."""
        found = self._target()
        if found is None:
            return False
        path = value_delegate.ask_base64_file(self._host.current_tab())
        if not path:
            return False
        try:
            value = base64_of_file(path)
        except ComposeError as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        return self._insert("the file's bytes", value)

    def _insert(self, what: str, value: str) -> bool:
        found = self._target()
        if found is None:
            return False
        _tab, session, node = found
        if not is_primitive(node) or session.document is None:
            self._host.message_bar.show_message(f"Select an element with a value to insert {what}", "warning")
            return False
        verdict = editor_for(node, session.document, self.registry()).check(value)
        if not verdict.ok:
            self._host.message_bar.show_message(
                f"{what.capitalize()} cannot go in {node.name}: {verdict.message}", "warning"
            )
            return False
        try:
            changed = session.set_value(node, value)
        except EditError as exc:
            self._host.message_bar.show_message(str(exc), "warning")
            return False
        if changed:
            self._host.statusBar().showMessage(f"Set {node.name} to {what}: {value[:60]}", 5000)
        return changed

    # ------------------------------------------------------------------------------ menus

    def fill_add_menu(self, menu: QMenu, node: Node | None, parent: QWidget | None = None) -> None:
        """Fill an Add ▸ menu with the children ``node`` may get."""
        menu.clear()
        menu.setToolTipsVisible(True)
        if node is None or node.kind not in (ELEMENT, RESOURCE):
            menu.addAction("Select an element to add to").setEnabled(False)
            return
        options = child_options(node, self.registry())
        if not options:
            menu.addAction(f"{node.name} holds a value, not elements").setEnabled(False)
            return
        bold = QFont(menu.font())
        bold.setWeight(QFont.Weight.DemiBold)
        for option in options:
            action = menu.addAction(option_text(option))
            action.setEnabled(option.enabled)
            action.setToolTip(option.why_not or option.short or option.label)
            if option.missing and option.enabled:
                action.setFont(bold)
            action.triggered.connect(lambda _checked=False, chosen=option, target=node: self.add(chosen, target))

    def extend_menu(self, menu: QMenu, node: Node, tab: MessageTab, actions: dict[str, QAction]) -> None:
        """Add the editing entries to a tree row's context menu (the row is selected first)."""
        if tab.inspector is None or tab.session is None or tab.session.document is None:
            return
        tab.inspector.tree.select_node(node)
        add = menu.addMenu("Add")
        add.setObjectName("addMenu")
        self.fill_add_menu(add, node)
        if is_primitive(node):
            test_data = menu.addMenu("Insert Test Data")
            for key in ("insert_nhs_number", "insert_uuid", "insert_now", "set_from_file"):
                if actions[key].isEnabled():
                    test_data.addAction(actions[key])
        menu.addSeparator()
        for key in ("copy", "paste", "duplicate"):
            menu.addAction(actions[key])
        other = "json" if tab.session.syntax == "xml" else "xml"
        copy_other = menu.addAction(f"Copy as {SYNTAX_NAMES[other]}")
        copy_other.setEnabled(actions["copy"].isEnabled())
        copy_other.triggered.connect(lambda _checked=False: self.copy_element(other))
        menu.addSeparator()
        for key in ("move_up", "move_down", "delete_element"):
            menu.addAction(actions[key])

    @staticmethod
    def update_actions(actions: dict[str, QAction], session: MessageSession | None, node: Node | None) -> None:
        """Enable the editing actions for the selected node of a message."""
        readable = session is not None and session.document is not None
        chosen = node if readable else None
        copyable = chosen is not None and chosen.kind not in (COMMENT, XHTML)
        element = movable(chosen) if chosen is not None else None
        primitive = chosen is not None and is_primitive(chosen)
        definition = element_def_of(chosen) if primitive and chosen is not None else None
        states: dict[str, bool] = {
            "copy": copyable,
            "paste": readable,
            "duplicate": element is not None and element.parent is not None and repeats(element),
            "move_up": chosen is not None and can_move(chosen, -1),
            "move_down": chosen is not None and can_move(chosen, 1),
            "insert_nhs_number": primitive,
            "insert_uuid": primitive,
            "insert_now": primitive,
            "set_from_file": definition is not None and definition.type == "base64Binary",
        }
        for key, enabled in states.items():
            actions[key].setEnabled(enabled)
