"""FHIR XML and JSON <-> the element tree: format detection, reading files and bytes, rendering.

The readers are safe (no DTD, entity expansion or network for XML; a depth limit for both) and
give a :class:`~workbench.core.errors.ReadError` naming the file, line and column; the writers
follow the FHIR XML and JSON rules and keep what the tree holds (see :mod:`.xml_write` and
:mod:`.json_write`).
"""

from __future__ import annotations

import os
from typing import BinaryIO

from workbench.core.codecs.json_common import COMMENTS_KEY, XML_KEY
from workbench.core.codecs.json_read import read_json
from workbench.core.codecs.json_write import write_json
from workbench.core.codecs.xml_common import FHIR_NS, XHTML_NS
from workbench.core.codecs.xml_read import Progress, read_xml
from workbench.core.codecs.xml_write import write_xml
from workbench.core.errors import ReadError
from workbench.core.tree import COMMENT, Document

#: Larger files are refused rather than risk exhausting memory (MESH itself stops at 100 MB).
MAX_BYTES = 200 * 1024 * 1024


def sniff(data: bytes, name: str | None = None) -> str:
    """Return ``xml`` or ``json`` for document bytes, from their first character.

    A file whose content does not say (empty, or starting with something else) is judged by
    its extension, defaulting to XML, the format every ITK3 system must support.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        lowered = (name or "").lower()
        if head == b"{" and data.lstrip()[:2] == b"{%" and ".json" not in lowered:
            return "xml"  # a Jekyll-wrapped XML example: the XML reader explains the problem
        return "json"
    return "json" if (name or "").lower().endswith(".json") else "xml"


def read_bytes(
    data: bytes, path: str | None = None, syntax: str | None = None, progress: Progress | None = None
) -> Document:
    """Read document bytes as XML or JSON (detected unless ``syntax`` is given).

    ``progress`` is called with the fraction done (0.0 to 1.0) while large input is read.
    """
    if not data.strip():
        raise ReadError("the file is empty", file=path)
    kind = syntax or sniff(data, path)
    if kind == "xml":
        return read_xml(data, path, progress)
    document = read_json(data, path)
    if progress is not None:
        progress(1.0)
    return document


def read_file_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """Read a file's bytes, refusing more than ``limit`` (devices and pipes included).

    Raises:
        ReadError: the file cannot be opened or read, or is too large.
    """
    name = str(path)
    try:
        with open(name, "rb") as handle:
            data = _read_bounded(handle, limit)
    except FileNotFoundError:
        raise ReadError("no such file", file=name) from None
    except IsADirectoryError:
        raise ReadError("this is a folder, not a file", file=name) from None
    except PermissionError:
        raise ReadError("permission denied", file=name) from None
    except OSError as exc:
        raise ReadError(exc.strerror or str(exc), file=name) from None
    if data is None:
        raise ReadError(f"the file is larger than {limit // 2**20} MB, the most the workbench opens", file=name)
    return data


def _read_bounded(handle: BinaryIO, limit: int) -> bytes | None:
    """The bytes, or None past ``limit``; a small file does not get ``limit`` bytes set aside first."""
    size = os.fstat(handle.fileno()).st_size
    if size > limit:
        return None  # a regular file that is too large: not read at all
    chunks: list[bytes] = []
    total = 0
    if size:  # a regular file: its size at once (one that is still growing is read on below)
        chunks.append(handle.read(size))
        total = len(chunks[0])
    while total <= limit:  # a pipe or a device, or more: a megabyte at a time
        chunk = handle.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        return None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_file(path: str | os.PathLike[str], progress: Progress | None = None) -> Document:
    """Read a FHIR XML or JSON file.

    Raises:
        ReadError: the file cannot be opened or is not a readable FHIR document.
    """
    name = str(path)
    return read_bytes(read_file_bytes(name), name, progress=progress)


def render(document: Document, syntax: str, *, normalise: bool = False, plain: bool = False) -> bytes:
    """Write a document as ``xml`` or ``json`` bytes."""
    if syntax == "xml":
        return write_xml(document, normalise=normalise)
    if syntax == "json":
        return write_json(document, normalise=normalise, plain=plain)
    raise ValueError(f"unknown syntax {syntax!r}")


def xml_only_details(document: Document) -> int:
    """How many details of a document read from XML plain FHIR JSON would lose.

    They are comments (before, inside and after the root) and the XML specifics kept in
    :class:`~workbench.core.tree.XmlInfo` (``schemaLocation`` and other attributes, unusual
    namespace declarations, stray text). A document read from JSON has none to lose.
    """
    if document.format != "xml":
        return 0
    count = len(document.prolog) + len(document.epilog)
    for node in document.root.iter():
        if node.kind == COMMENT or (node.xml is not None and not node.xml.is_empty()):
            count += 1
    return count


def render_for_saving(document: Document, syntax: str, keep_xml: bool = False) -> bytes:
    """Render a document to save it as ``syntax``.

    JSON is plain FHIR JSON for a document read from XML unless ``keep_xml`` asks for the
    XML-only details to be kept (in ``@xml``); a document read from JSON keeps what it came with.
    """
    if syntax == "json":
        return render(document, "json", plain=document.format == "xml" and not keep_xml)
    return render(document, "xml")


__all__ = [
    "COMMENTS_KEY",
    "FHIR_NS",
    "MAX_BYTES",
    "XHTML_NS",
    "XML_KEY",
    "Progress",
    "read_bytes",
    "read_file",
    "read_file_bytes",
    "read_json",
    "read_xml",
    "render",
    "render_for_saving",
    "sniff",
    "write_json",
    "write_xml",
    "xml_only_details",
]
