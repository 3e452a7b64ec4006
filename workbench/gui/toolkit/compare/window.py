"""The Compare window: two messages side by side as trees, their differences marked and listed.

A (left) and B (right) are read and compared in the thread pool (:mod:`.work`); then each tree
shows its side with the differences tinted by kind (a legend names the colours and counts
them), the table below lists every difference with its FHIR path, and the rows holding them are
opened. Selecting a row on one side selects its counterpart on the other (or, for an element
the other side lacks, the nearest element both have), and the difference at it in the table.
F8 and Shift+F8 (and the toolbar's buttons) go to the next and previous difference. "Ignore
what changes on every send" compares again leaving out ids, fullUrls renamed consistently,
timestamps and generated identifiers, so a message sent again compares equal; the choice is
remembered. Swap Sides compares B with A (what was added becomes what was removed).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from workbench.core.toolkit.diff import Difference
from workbench.core.tree import Node
from workbench.core.words import plural
from workbench.gui.actions import ActionSpec, build_menus
from workbench.gui.context import AppContext
from workbench.gui.tasks import COLLECT_AFTER_CLOSE_MS, TaskFailure, collect_frozen, in_turns
from workbench.gui.toolkit.compare.differences import PATH, DifferenceListModel
from workbench.gui.toolkit.compare.model import KIND_COLOURS, KIND_MEANINGS, DiffTreeModel, Pairing, Side
from workbench.gui.toolkit.compare.work import Compared, CompareSource, compare_again, compare_sources
from workbench.gui.toolkit.jobs import JobResult, start_job
from workbench.gui.widgets.fields import list_table
from workbench.gui.widgets.message_bar import MessageBar
from workbench.gui.widgets.progress import DelayedProgressBar

TITLE = "Compare"
DEFAULT_SIZE = (1400, 900)
#: Differences whose rows are opened when a comparison is shown (the rest open on demand).
MAX_EXPANDED = 200
_KEY = "compare/"
VOLATILE_TIP = (
    "Leave out what changes each time a message is sent: resource ids and fullUrls (renamed "
    "consistently; references compared through the renaming), timestamps, Bundle identifiers "
    "and generated identifiers"
)

MENUS: tuple[tuple[str, tuple[ActionSpec | None, ...]], ...] = (
    (
        "&Compare",
        (
            ActionSpec("next_difference", "&Next Difference", "next_difference", "F8", "Go to the next difference"),
            ActionSpec(
                "previous_difference",
                "&Previous Difference",
                "previous_difference",
                "Shift+F8",
                "Go to the previous difference",
            ),
            None,
            ActionSpec(
                "ignore_volatile",
                "&Ignore What Changes on Every Send",
                "set_ignore_volatile",
                None,
                VOLATILE_TIP,
                checkable=True,
            ),
            ActionSpec(
                "swap_sides",
                "&Swap Sides",
                "swap_sides",
                "Ctrl+Shift+X",
                "Compare B with A: the right side goes left",
            ),
            ActionSpec(
                "expand_differences",
                "&Open Every Difference",
                "expand_differences",
                "Ctrl+Shift+E",
                "Open the rows down to every difference on both sides",
            ),
            None,
            ActionSpec("close_window", "&Close", "close", "Ctrl+W", "Close this window"),
        ),
    ),
)


class CompareWindow(QMainWindow):
    """Two messages compared side by side.

    Signals:
        sig_compared(object): A comparison is shown; carries the :class:`~.work.Compared`.
        sig_compare_failed(str): The messages could not be read or compared; carries why.

    Args:
        context: The application context (settings, thread pool).
        parent: The main window (this stays a top-level window).
    """

    sig_compared = Signal(object)
    sig_compare_failed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._context = context
        self._settings = context.settings
        self._generation = 0
        self._busy = False
        self._compared: Compared | None = None
        self._pairing: Pairing | None = None
        self._current = -1
        self._syncing = False
        self._sources: tuple[CompareSource, CompareSource] | None = None

        self.message_bar = MessageBar()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("compareSummary")
        font = self.summary_label.font()
        font.setWeight(font.Weight.DemiBold)
        self.summary_label.setFont(font)
        self.legend = _Legend()
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary_label, 1)
        summary_row.addWidget(self.legend)

        self.model_a = DiffTreeModel("a", self)
        self.model_b = DiffTreeModel("b", self)
        self.title_a, self.view_a = QLabel(), _tree(self.model_a)
        self.title_b, self.view_b = QLabel(), _tree(self.model_b)
        sides = QSplitter(Qt.Orientation.Horizontal)
        for title, view in ((self.title_a, self.view_a), (self.title_b, self.view_b)):
            title.setTextFormat(Qt.TextFormat.PlainText)
            title.setWordWrap(True)
            pane = QWidget()
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            column.addWidget(title)
            column.addWidget(view, 1)
            sides.addWidget(pane)
        self.diff_model = DifferenceListModel(self)
        self.table = list_table(self.diff_model, "differences")
        self.table.setColumnWidth(0, 80)
        self.table.setColumnWidth(PATH, 520)
        self.table.setColumnWidth(2, 300)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(sides)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.message_bar)
        layout.addLayout(summary_row)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.menu_actions, _submenus = build_menus(self, MENUS)
        self.count_label = QLabel()
        self.count_label.setObjectName("differenceCount")
        self.progress = DelayedProgressBar()
        self.statusBar().addPermanentWidget(self.progress)
        self._toolbar()

        self.view_a.selectionModel().currentChanged.connect(self._on_current_a_changed)
        self.view_b.selectionModel().currentChanged.connect(self._on_current_b_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)
        ignore = self._settings.value(_KEY + "ignore_volatile", False)
        self.menu_actions["ignore_volatile"].setChecked(ignore in (True, "true", 1, "1"))
        self._restore()
        self._update_navigation()

    # ---------------------------------------------------------------------------------- API

    def compare(self, a: CompareSource, b: CompareSource) -> None:
        """Read and compare two messages in the thread pool; the window shows them when done."""
        self._sources = (a, b)
        self._update_navigation()
        self.title_a.setText(_title("A (left)", a))
        self.title_b.setText(_title("B (right)", b))
        self.setWindowTitle(f"{TITLE}: {a.name} ↔ {b.name}")
        self.summary_label.setText("Reading and comparing…")
        ignore = self.ignore_volatile()
        self._start(lambda progress: compare_sources(a, b, ignore, progress))

    def swap_sides(self) -> None:
        """Compare B with A: each message goes to the other side."""
        if self._sources is not None:
            a, b = self._sources
            self.compare(b, a)

    def compared(self) -> Compared | None:
        """Return the comparison shown, if any."""
        return self._compared

    def is_busy(self) -> bool:
        """Return whether a comparison is being made."""
        return self._busy

    def ignore_volatile(self) -> bool:
        """Return whether what changes on every send is left out."""
        return self.menu_actions["ignore_volatile"].isChecked()

    def set_ignore_volatile(self, ignore: bool) -> None:
        """Leave out what changes on every send, or not, and compare again (remembered)."""
        if self.menu_actions["ignore_volatile"].isChecked() != ignore:
            self.menu_actions["ignore_volatile"].setChecked(ignore)  # calls back here
            return
        self._settings.setValue(_KEY + "ignore_volatile", ignore)
        compared = self._compared
        if compared is not None and compared.result.ignore_volatile != ignore:
            self.summary_label.setText("Comparing again…")
            self._start(lambda progress: compare_again(compared, ignore, progress))

    def current_difference(self) -> Difference | None:
        """Return the difference gone to last, if any."""
        return self.diff_model.difference(self._current)

    def next_difference(self) -> None:
        """Go to the next difference (F8)."""
        self._step(1)

    def previous_difference(self) -> None:
        """Go to the previous difference (Shift+F8)."""
        self._step(-1)

    def go_to(self, row: int) -> None:
        """Go to a difference: select it in the table and its elements on both sides."""
        difference = self.diff_model.difference(row)
        if difference is None or self._pairing is None:
            return
        self._current = row
        self._syncing = True
        try:
            self.table.selectRow(row)
            self.table.scrollTo(self.diff_model.index(row, 0))
            node_a = difference.node_a or self._pairing.nearest(_parent(difference.node_b), "b")
            node_b = difference.node_b or self._pairing.nearest(_parent(difference.node_a), "a")
            self._select(self.view_a, self.model_a, node_a)
            self._select(self.view_b, self.model_b, node_b)
        finally:
            self._syncing = False
        self._update_navigation()

    def expand_differences(self, limit: int | None = None) -> None:
        """Open the rows down to each difference (the first ``limit`` of them) on both sides."""
        compared = self._compared
        if compared is None:
            return
        for view, model in ((self.view_a, self.model_a), (self.view_b, self.model_b)):
            view.expand(model.index(0, 0))
        for difference in compared.result.differences[:limit]:
            for view, model, node in (
                (self.view_a, self.model_a, difference.node_a),
                (self.view_b, self.model_b, difference.node_b),
            ):
                if node is not None:
                    _reveal(view, model.index_of(node).parent())

    # ----------------------------------------------------------------------- Qt overrides

    def closeEvent(self, event: QCloseEvent) -> None:
        """Override QMainWindow::closeEvent: remember the layout."""
        self._settings.setValue(_KEY + "geometry", self.saveGeometry())
        self._settings.setValue(_KEY + "splitter", self.splitter.saveState())
        self._generation += 1  # a comparison under way is no longer wanted
        # The trees were frozen out of the collector's passes (see gui.tasks): once this window
        # is gone, give them back and collect.
        QTimer.singleShot(COLLECT_AFTER_CLOSE_MS, collect_frozen)
        super().closeEvent(event)

    # ---------------------------------------------------------------------------- helpers

    def _toolbar(self) -> None:
        bar = QToolBar("Differences")
        bar.setObjectName("compareToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu_actions["previous_difference"].setIconText("◀ Previous")
        self.menu_actions["next_difference"].setIconText("Next ▶")
        self.menu_actions["previous_difference"].setToolTip("Go to the previous difference (Shift+F8)")
        self.menu_actions["next_difference"].setToolTip("Go to the next difference (F8)")
        bar.addAction(self.menu_actions["previous_difference"])
        bar.addAction(self.menu_actions["next_difference"])
        bar.addWidget(self.count_label)
        bar.addSeparator()
        self.menu_actions["swap_sides"].setIconText("⇄ Swap")
        bar.addAction(self.menu_actions["swap_sides"])
        bar.addSeparator()
        self.menu_actions["ignore_volatile"].setIconText("Ignore what changes on every send")
        bar.addAction(self.menu_actions["ignore_volatile"])
        self.addToolBar(bar)

    def _restore(self) -> None:
        geometry = self._settings.value(_KEY + "geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        state = self._settings.value(_KEY + "splitter")
        if not (isinstance(state, QByteArray) and self.splitter.restoreState(state)):
            self.splitter.setSizes([640, 200])

    def _start(self, work: object) -> None:
        self._generation += 1
        self._busy = True
        self.progress.begin()
        self.message_bar.clear()
        for action in ("next_difference", "previous_difference", "ignore_volatile"):
            self.menu_actions[action].setEnabled(False)
        start_job(
            self._context,
            work,  # type: ignore[arg-type]
            self._generation,
            "compare",
            self._on_compared,  # type: ignore[arg-type]
            self._on_failed,
            self._on_progress,
        )

    def _show(self, compared: Compared) -> None:
        result = compared.result
        first = self._compared is None or self._compared.document_a is not compared.document_a
        self._compared = compared
        self._pairing = compared.pairing
        if first:
            self.model_a.set_document(compared.document_a, compared.context_a)
            self.model_b.set_document(compared.document_b, compared.context_b)
        self.model_a.set_result(compared.marks_a)
        self.model_b.set_result(compared.marks_b)
        self.diff_model.set_result(result)
        self._current = -1
        counts = result.counts()
        self.legend.set_counts(counts)
        volatile = " (ids, fullUrls, timestamps and identifiers left out)" if result.ignore_volatile else ""
        if result.same:
            self.summary_label.setText(f"The two messages are the same{volatile}")
        else:
            self.summary_label.setText(f"{result.summary()}{volatile}")
        self._update_navigation()

    def _step(self, delta: int) -> None:
        total = self.diff_model.rowCount()
        if total == 0:
            return
        row = self._current + delta if self._current >= 0 else (0 if delta > 0 else total - 1)
        if not 0 <= row < total:
            self.statusBar().showMessage("No more differences " + ("below" if delta > 0 else "above"), 3000)
            return
        self.go_to(row)

    def _update_navigation(self) -> None:
        total = self.diff_model.rowCount()
        ready = not self._busy and self._compared is not None
        self.menu_actions["next_difference"].setEnabled(ready and self._current < total - 1)
        self.menu_actions["previous_difference"].setEnabled(ready and self._current > 0)
        self.menu_actions["ignore_volatile"].setEnabled(not self._busy)
        self.menu_actions["swap_sides"].setEnabled(not self._busy and self._sources is not None)
        self.menu_actions["expand_differences"].setEnabled(ready and total > 0)
        if self._compared is None:
            self.count_label.setText("")
        elif total == 0:
            self.count_label.setText("  no differences  ")
        elif self._current >= 0:
            self.count_label.setText(f"  difference {self._current + 1} of {total}  ")
        else:
            self.count_label.setText(f"  {plural(total, 'difference')}  ")

    def _select(self, view: QTreeView, model: DiffTreeModel, node: Node | None) -> None:
        index = model.index_of(node) if node is not None else QModelIndex()
        if not index.isValid():
            view.clearSelection()
            return
        _reveal(view, index.parent())
        view.setCurrentIndex(index)
        view.scrollTo(index)

    def _follow(self, side: Side, index: QModelIndex) -> None:
        """A row was selected on one side: select its counterpart and its difference."""
        if self._syncing or self._pairing is None:
            return
        model = self.model_a if side == "a" else self.model_b
        node = model.node(index)
        if node is None:
            return
        self._syncing = True
        try:
            other = self._pairing.nearest(node, side)
            if side == "a":
                self._select(self.view_b, self.model_b, other)
            else:
                self._select(self.view_a, self.model_a, other)
            difference = model.difference(node)
            row = self.diff_model.row_of(difference) if difference is not None else -1
            if row >= 0:
                self._current = row
                self.table.selectRow(row)
                self.table.scrollTo(self.diff_model.index(row, 0))
        finally:
            self._syncing = False
        self._update_navigation()

    # ----------------------------------------------------------------------------- handlers

    def _on_current_a_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._follow("a", current)

    def _on_current_b_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._follow("b", current)

    def _on_table_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._syncing and current.isValid():
            self.go_to(current.row())

    def _on_progress(self, generation: int, fraction: float) -> None:
        if generation == self._generation:
            self.progress.set_fraction(fraction)

    def _on_compared(self, done: JobResult) -> None:
        if done.generation != self._generation:
            return
        self._busy = False
        self.progress.end()
        compared: Compared = done.value
        self._show(compared)
        # Opening each side's top level (8,000 rows lay out), the rows down to the first
        # differences, and going to the first each hold the window a while for a large message
        # (together 0.13-0.15 s): each in its own turn of the event loop.
        steps: list[Callable[[], object]] = [
            lambda: self.view_a.expand(self.model_a.index(0, 0)),
            lambda: self.view_b.expand(self.model_b.index(0, 0)),
            lambda: self.expand_differences(MAX_EXPANDED),
            lambda: self._shown(compared),
        ]
        in_turns(steps, lambda: done.generation == self._generation)  # not once another comparison started

    def _shown(self, compared: Compared) -> None:
        if not compared.result.same:
            self.go_to(0)
        self._update_navigation()
        self.statusBar().showMessage(f"Compared in {compared.seconds:.2f} s", 5000)
        self.sig_compared.emit(compared)

    def _on_failed(self, failure: TaskFailure) -> None:
        if failure.generation != self._generation:
            return
        self._busy = False
        self.progress.end()
        self.summary_label.setText("Could not compare")
        self.message_bar.show_message(failure.message, "error")
        self._update_navigation()
        self.sig_compare_failed.emit(failure.message)


class _Legend(QWidget):
    """The colours of the kinds of difference, each with its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareLegend")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.labels: dict[str, QLabel] = {}
        for kind, (background, text, swatch) in KIND_COLOURS.items():
            label = QLabel()
            label.setObjectName(f"legend_{kind}")
            label.setToolTip(KIND_MEANINGS[kind])
            label.setStyleSheet(
                f"QLabel {{ background: {background}; color: {text}; border-left: 6px solid {swatch};"
                " border-radius: 3px; padding: 2px 8px; }"
            )
            if kind == "holds":
                label.setText("holds differences")
            layout.addWidget(label)
            self.labels[kind] = label
        self.set_counts({})

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show how many differences of each kind there are."""
        for kind, label in self.labels.items():
            if kind != "holds":
                label.setText(f"{counts.get(kind, 0)} {kind}")


def _tree(model: DiffTreeModel) -> QTreeView:
    view = QTreeView()
    view.setObjectName(f"compareTree_{model.side}")
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setIconSize(QSize(10, 10))  # the swatch of a row's kind of difference
    view.setHeaderHidden(True)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


def _title(side: str, source: CompareSource) -> str:
    origin = source.origin
    return f"{side}: {source.name}" + (f" — {origin}" if origin else "")


def _parent(node: Node | None) -> Node | None:
    return node.parent if node is not None else None


def _reveal(view: QTreeView, index: QModelIndex) -> None:
    """Open a row and every row above it."""
    chain = []
    while index.isValid():
        chain.append(index)
        index = index.parent()
    for row in reversed(chain):
        view.expand(row)
