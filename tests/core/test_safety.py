"""Hostile and broken input: clear errors naming the place, never a hang, leak or traceback."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from workbench.core.codecs import read_bytes, read_file
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Patient xmlns="http://hl7.org/fhir"><name><text value="&lol9;"/></name></Patient>
"""


def test_billion_laughs_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(ReadError, match="DOCTYPE") as caught:
        read_bytes(BILLION_LAUGHS, "lolz.xml")
    assert time.perf_counter() - start < 1.0
    assert caught.value.line == 2 and caught.value.file == "lolz.xml"


def test_external_entity_is_refused_and_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>'
    ).encode()
    with pytest.raises(ReadError, match="DOCTYPE") as caught:
        read_bytes(xxe)
    assert "TOP SECRET" not in str(caught.value)


def test_external_dtd_is_refused() -> None:
    with pytest.raises(ReadError, match="DOCTYPE"):
        read_bytes(b'<!DOCTYPE Patient SYSTEM "http://example.invalid/x.dtd"><Patient xmlns="http://hl7.org/fhir"/>')


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b'<Patient xmlns="http://hl7.org/fhir">\n  <id value="1">\n</Patient>', 3, 3, "mismatch"),
        (b'<Patient xmlns="http://hl7.org/fhir">\n<id value="1/>\n</Patient>', 3, 1, "attribute"),
        (b'<Patient xmlns="http://hl7.org/fhir"><name><text value="a &nbsp; b"/></name></Patient>', 1, None, "nbsp"),
        (b"{% highlight xml %}\n<Patient/>\n{% endhighlight %}", 1, 1, "Jekyll"),
    ],
)
def test_malformed_xml_names_line_and_column(data: bytes, line: int, column: int | None, words: str) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, "bad.xml")
    error = caught.value
    assert error.line == line
    if column is not None:
        assert error.column == column
    assert error.column is not None
    assert words.lower() in error.message.lower()
    assert str(error).startswith("bad.xml, line ")


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'{"resourceType": "Patient",\n "active": tru}', 2),
        (b'{"resourceType": "Patient", "name": [}', 1),
        (b'[{"resourceType": "Patient"}]', 1),
        (b'{"active": true}', 1),
        (b'{"resourceType": "Patient", "value": NaN}', None),
    ],
)
def test_bad_json_names_the_place(data: bytes, line: int | None) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, "bad.json")
    assert caught.value.line == line


def test_json_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ReadError, match="UTF-8"):
        read_bytes('{"resourceType": "Patient", "name": [{"text": "Zoë"}]}'.encode("latin-1"), "x.json")


def test_xml_in_latin1_is_read_by_its_declaration() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir"><name><text value="Zoë"/></name></Patient>'
    document = read_bytes(data.encode("latin-1"))
    assert document.root.find("name.text").value == "Zoë"
    assert document.position(document.root.find("name.text")) == (1, data.index("<text") + 1)


def test_deep_nesting_is_refused_not_crashing() -> None:
    deep = b'<Patient xmlns="http://hl7.org/fhir">' + b"<a>" * 5000 + b"</a>" * 5000 + b"</Patient>"
    with pytest.raises(ReadError, match="deeper"):
        read_bytes(deep)
    deep_json = b'{"resourceType": "Patient", "a": ' + b'{"b": ' * 3000 + b"1" + b"}" * 3000 + b"}"
    with pytest.raises(ReadError):
        read_bytes(deep_json)


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary", b"just some text", b"<", b"{"])
def test_garbage_gives_a_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        read_bytes(data, "garbage")


def test_missing_file_and_folder_give_plain_errors(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_file(tmp_path / "absent.xml")
    with pytest.raises(ReadError, match="folder"):
        read_file(tmp_path)


def test_duplicate_json_keys_are_kept_and_noted() -> None:
    document = read_bytes(b'{"resourceType": "Patient", "gender": "male", "gender": "female"}')
    assert [n.value for n in document.root.children_named("gender")] == ["male", "female"]
    assert any("more than once" in note for _, note in document.notes)


@pytest.mark.slow
def test_a_50_mb_message_opens(tmp_path: Path) -> None:
    payload = base64.b64encode(bytes(range(256)) * (36 * 1024 * 1024 // 256)).decode()
    data = (
        '<Bundle xmlns="http://hl7.org/fhir"><type value="message"/><entry><resource><Binary>'
        f'<contentType value="application/pdf"/><content value="{payload}"/></Binary></resource></entry></Bundle>'
    ).encode()
    assert len(data) > 48 * 1024 * 1024
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    document = read_file(path)
    attachment = message_view(document).attachments[0]
    assert attachment.size == 36 * 1024 * 1024
    assert attachment.data()[:4] == bytes(range(4))
