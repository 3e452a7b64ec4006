"""FHIR JSON <-> element tree.

Reading keeps every number's text (``72.50`` stays ``72.50``), merges primitive companions
(``birthDate`` with ``_birthDate``, arrays aligned by index) into one node, and turns
``resourceType`` into the resource node, so a JSON document reads into the same tree as its XML
twin. Writing follows the FHIR JSON rules: arrays where STU3 says an element repeats, numbers and
booleans by the element's STU3 type (a decimal is written with its exact lexical text), ``_x``
companions for ids and extensions of primitives, the narrative ``div`` as a string.

Comments: FHIR JSON has none, but the convention HAPI and the NHS's own published JSON examples
follow puts the comments that precede an element into that element's object as
``"fhir_comments": [...]`` (into ``_x`` for a primitive); the workbench reads and writes the same.

Other XML-only details (namespace declarations, other attributes, text content, a fragment
root's name, comments with no element after them) have no place in FHIR JSON. So that XML ->
JSON -> XML loses nothing, the writer keeps them in a reserved ``"@xml"`` member, which no FHIR
element name can collide with. ``plain=True`` writes strictly FHIR JSON, without either.
"""

from workbench.core.jsonread import COMMENTS_KEY, XML_KEY, read_json
from workbench.core.jsonwrite import write_json

__all__ = ["COMMENTS_KEY", "XML_KEY", "read_json", "write_json"]
