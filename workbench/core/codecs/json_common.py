"""What the FHIR JSON reader and writer share: reserved members, the number grammar, the depth limit."""

from __future__ import annotations

import re

#: The reserved member that carries XML-only details through JSON (no FHIR name starts with "@").
XML_KEY = "@xml"
#: Comments travel in JSON as HAPI and the NHS's own JSON examples carry them.
COMMENTS_KEY = "fhir_comments"
#: Deeper nesting is refused rather than risk exhausting the stack.
MAX_DEPTH = 400
#: A JSON number, as RFC 8259 writes it.
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
