"""The structure tree's Qt model: a thin, consistent adapter over the element tree."""

from __future__ import annotations

from conftest import EXAMPLES, require_shared
from guihelpers import labels, message_with_binary, walk
from PySide6.QtCore import QModelIndex, Qt

from workbench.core.session import MessageSession
from workbench.core.tree import COMMENT, RESOURCE, Document, Node
from workbench.gui.inspector.tree_model import FETCH_BATCH, NODE_ROLE, MessageTreeModel

ITK009D = EXAMPLES / "FHIR_MESH" / "test_messages" / "ITK009D_ITK_Immunization_Document.xml"

PROLOG = b"""<?xml version="1.0"?>
<!-- prolog comment -->
<Patient xmlns="http://hl7.org/fhir"><id value="p"/><!-- inside --><contained><Organization><id value="o"/></Organization></contained></Patient>
<!-- epilog comment -->
"""


def model_for(data: bytes | None = None, path=None) -> MessageTreeModel:
    session = MessageSession.open_file(path) if path is not None else MessageSession.open_bytes(data, "message.xml")
    assert session.readable
    model = MessageTreeModel()
    model.set_session(session)
    return model


def test_model_passes_the_qt_model_tester(qtmodeltester) -> None:
    model = model_for(path=require_shared(ITK009D))
    qtmodeltester.check(model)
    model.set_show_comments(False)
    qtmodeltester.check(model)


def test_model_with_prolog_epilog_and_wrappers_passes_the_tester(qtmodeltester) -> None:
    model = model_for(PROLOG)
    qtmodeltester.check(model)
    top = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    assert top == ["<!-- prolog comment -->", "Patient id p", "<!-- epilog comment -->"]
    model.set_show_comments(False)
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_wrappers_collapse_into_their_resource_and_index_of_finds_every_node(qapp) -> None:
    model = model_for(message_with_binary())
    document = model.document()
    shown = {id(model.node(i)) for i in walk(model)}
    for node in document.root.iter():
        index = model.index_of(node)
        assert index.isValid()
        if node.name == "resource" and node.children and node.children[0].kind == RESOURCE:
            assert id(node) not in shown and model.node(index) is node.children[0]
        else:
            assert model.node(index) is node
            assert model.data(index, NODE_ROLE) is node
        # parent() agrees with the rows index() gives
        parent = index.parent()
        assert model.index(index.row(), 0, parent) == index


def test_rows_labels_and_comment_styling(qapp) -> None:
    model = model_for(path=require_shared(ITK009D))
    rows = labels(model)
    assert "entry[0] MessageHeader · ITK-MessageHeader-2 · b746b622…" in rows
    assert "Handling specification" in rows and "Business ack requested: yes" in rows
    comment = next(i for i in walk(model) if model.node(i).kind == COMMENT)
    assert model.data(comment, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(comment, Qt.ItemDataRole.FontRole).italic()
    event = next(i for i in walk(model) if str(model.data(i)).startswith("event:"))
    assert "ITK Digital Medicine Immunization Document" in model.data(event, Qt.ItemDataRole.ToolTipRole)
    model.set_show_comments(False)
    assert all(model.node(i).kind != COMMENT for i in walk(model))
    hidden = model.index_of(document_comment(model))
    assert hidden.isValid() and model.node(hidden) is document_comment(model).parent


def document_comment(model: MessageTreeModel):
    return next(n for n in model.document().root.iter() if n.kind == COMMENT)


def large_bundle(entries: int) -> bytes:
    rows = "".join(
        f'<entry><fullUrl value="urn:uuid:{i}"/><resource><Basic><id value="b{i}"/></Basic></resource></entry>'
        for i in range(entries)
    )
    return f'<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>{rows}</Bundle>'.encode()


def test_large_bundle_parent_lookup_is_cached(qapp) -> None:
    model = model_for(large_bundle(3000))
    root = model.index(0, 0)
    while model.canFetchMore(root):
        model.fetchMore(root)
    assert model.rowCount(root) == 3001
    last = model.index(3000, 0, root)
    assert model.data(last).startswith("entry[2999] Basic")
    resource = model.index(1, 0, last)
    # Each parent() call is a dict lookup: thousands of calls stay instant.
    for _ in range(3000):
        assert model.parent(resource) == last
        assert model.parent(last) == root
    assert model.parent(root) == QModelIndex()


def test_a_parent_with_many_rows_offers_them_a_batch_at_a_time(qtbot, qtmodeltester) -> None:
    model = model_for(large_bundle(2500))
    root = model.index(0, 0)
    total = len(model.document().root.children)
    assert model.rowCount(root) == FETCH_BATCH and model.canFetchMore(root)
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.fetchMore(root)
    assert inserted.args[1:] == [FETCH_BATCH, 2 * FETCH_BATCH - 1] and model.rowCount(root) == 2 * FETCH_BATCH
    # Going to a row not offered yet offers the rows up to it.
    last = model.document().root.children[-1]
    index = model.index_of(last)
    assert index.isValid() and index.row() == total - 1 and model.rowCount(root) == total
    assert not model.canFetchMore(root)
    qtmodeltester.check(model)
    # An edit inside a row not offered yet needs no signal; the row is right once offered.
    fresh = model_for(large_bundle(2500))
    session = fresh.session()
    root = fresh.index(0, 0)
    entries = [c for c in session.document.root.children if c.name == "entry"]
    inside = entries[-2]
    with qtbot.assertNotEmitted(fresh.rowsRemoved):
        assert session.delete(inside.child("resource").children[0]) is None  # its resource row goes
    assert fresh.rowCount(fresh.index_of(inside)) == 1  # offered now: only its fullUrl is left
    qtmodeltester.check(fresh)
    # Removing one of the rows of a parent not all offered offers them all first.
    again = model_for(large_bundle(2500))
    session = again.session()
    root = again.index(0, 0)
    entry = [c for c in session.document.root.children if c.name == "entry"][-1]
    assert again.rowCount(root) == FETCH_BATCH
    with qtbot.waitSignals([again.rowsInserted, again.rowsRemoved], order="strict"):
        assert session.delete(entry) is None
    assert again.rowCount(root) == total - 1 and not again.canFetchMore(root)
    session.undo()
    assert again.rowCount(root) == total and again.index_of(entry).row() == total - 1
    qtmodeltester.check(again)


def test_a_root_that_wraps_a_resource_is_its_own_row(qtmodeltester) -> None:
    root = Node("resource")
    patient = root.append(Node("Patient", RESOURCE))
    patient.append(Node("id", value="p"))
    model = MessageTreeModel()
    model.set_session(MessageSession(name="wrapped.xml", document=Document(root, "xml")))
    qtmodeltester.check(model)
    assert model.node(model.index_of(root)) is root
    assert model.node(model.index_of(patient).parent()) is root


def test_the_model_follows_its_sessions_edits_and_a_new_session(qtmodeltester) -> None:
    model = model_for(message_with_binary())
    session = model.session()
    organization = next(n for n in session.document.root.iter() if n.name == "Organization")
    entry_index = model.index_of(organization.parent.parent)
    rows = model.rowCount(entry_index)
    assert session.delete(organization) is None  # its entry.resource holder goes with it
    assert model.rowCount(entry_index) == rows - 1 and not model.index_of(organization).isValid()
    qtmodeltester.check(model)
    session.undo()
    assert model.rowCount(entry_index) == rows and model.index_of(organization).isValid()
    qtmodeltester.check(model)
    # Another session: the old one's edits no longer reach the model.
    other = MessageSession.open_bytes(message_with_binary(), "other.xml")
    model.set_session(other)
    session.delete(organization)
    assert model.document() is other.document
    assert model.rowCount(model.index(0, 0)) == len(other.document.root.children)
    qtmodeltester.check(model)
    # An unreadable message has no rows.
    model.set_session(MessageSession.open_bytes(b"<Bundle", "broken.xml"))
    assert model.rowCount() == 0 and not model.hasChildren()
    qtmodeltester.check(model)
