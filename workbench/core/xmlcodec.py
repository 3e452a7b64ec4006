"""FHIR XML <-> element tree.

Reading is safe: no DTD (a DOCTYPE is refused), no entity expansion, no network, so XXE and
"billion laughs" files give a :class:`ReadError` rather than a hang or a leak. A malformed file
gives a :class:`ReadError` with line and column.

Writing follows the FHIR XML rules: primitives as ``value`` attributes, ``id`` and extension
``url`` as attributes, the narrative ``div`` in the XHTML namespace, resources wrapped in their
element. The order of elements is the tree's (faithful) or STU3's (``normalise=True``).
"""

from workbench.core.xmlread import FHIR_NS, XHTML_NS, Progress, read_xml
from workbench.core.xmlwrite import write_xml

__all__ = ["FHIR_NS", "XHTML_NS", "Progress", "read_xml", "write_xml"]
