"""The structure tree's Qt model: a thin, consistent adapter over the element tree."""

from __future__ import annotations

from conftest import EXAMPLES, require_shared
from guihelpers import labels, message_with_binary, walk
from PySide6.QtCore import QModelIndex, Qt

from workbench.core.session import MessageSession
from workbench.core.tree import COMMENT, RESOURCE, Document, Node
from workbench.gui.inspector.tree_model import NODE_ROLE, MessageTreeModel

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


def test_large_bundle_parent_lookup_is_cached(qapp) -> None:
    entries = "".join(
        f'<entry><fullUrl value="urn:uuid:{i}"/><resource><Basic><id value="b{i}"/></Basic></resource></entry>'
        for i in range(3000)
    )
    model = model_for(f'<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>{entries}</Bundle>'.encode())
    root = model.index(0, 0)
    assert model.rowCount(root) == 3001
    last = model.index(3000, 0, root)
    assert model.data(last).startswith("entry[2999] Basic")
    resource = model.index(1, 0, last)
    # Each parent() call is a dict lookup: thousands of calls stay instant.
    for _ in range(3000):
        assert model.parent(resource) == last
        assert model.parent(last) == root
    assert model.parent(root) == QModelIndex()


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
