"""Lexical checks of FHIR STU3 primitive values, as the STU3 XML schema makes them.

Each check returns None for a valid value, or the problem in plain words. The rules follow the
schema's types exactly (so the structure layer agrees with it): types built on XML Schema's
numeric, boolean, token and URI types ignore surrounding whitespace; ``string`` needs at least
one character; dates must be real dates. Where the FHIR specification is stricter than the
schema (an instant without a time zone, a boolean written ``1``), :func:`stricter_than_schema`
says so, for a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

_DATE = re.compile(r"(-?[0-9]{4})(?:-(0[1-9]|1[0-2])(?:-(0[0-9]|[1-2][0-9]|3[0-1]))?)?")
_DATETIME = re.compile(
    r"(-?[0-9]{4})(?:-(0[1-9]|1[0-2])(?:-(0[0-9]|[1-2][0-9]|3[0-1])"
    r"(?:T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?"
)
_INSTANT = re.compile(
    r"(-?[0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_UNSIGNED = re.compile(r"0|[1-9][0-9]*")
_POSITIVE = re.compile(r"[1-9][0-9]*")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_LEADING_ZERO = re.compile(r"(?:^|\.)0[0-9]")
_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Base64 is these characters, up to two '=' at the end, in groups of four (the length is checked
#: apart: a repeated group would cost the regular expression engine memory per group).
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SPACE = re.compile(r"\s+")
_SCHEME_PART = re.compile(r"([^/?#]*?):")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def collapse(value: str) -> str:
    """XML Schema's whitespace collapse: trim, and turn inner runs of whitespace into one space."""
    return _SPACE.sub(" ", value).strip()


def _real_date(year: str, month: str | None, day: str | None) -> bool:
    if month is None or day is None:
        return True
    try:
        date(int(year) if int(year) > 0 else 4, int(month), int(day))
    except ValueError:
        return False
    return True


def _date(value: str) -> str | None:
    found = _DATE.fullmatch(value)
    if found is None or not _real_date(*found.groups()):
        return "is not a valid date (YYYY, YYYY-MM or YYYY-MM-DD, a real day)"
    return None


def _datetime(value: str) -> str | None:
    found = _DATETIME.fullmatch(value)
    if found is None or not _real_date(found.group(1), found.group(2), found.group(3)):
        return "is not a valid dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone)"
    return None


def _instant(value: str) -> str | None:
    found = _INSTANT.fullmatch(value)
    if found is None:
        return "is not a valid instant (YYYY-MM-DDThh:mm:ss[.fff]+zz:zz)"
    year, month, day, hour, minute, second = (found.group(i) for i in range(1, 7))
    zone = found.group(8)
    if not _real_date(year, month, day) or int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        return "is not a valid instant: no such date or time"
    if zone not in (None, "Z") and (int(zone[1:3]) > 14 or int(zone[4:6]) > 59):
        return "is not a valid instant: the time zone is out of range"
    return None


def _integer(value: str) -> str | None:
    value = collapse(value)
    if _INTEGER.fullmatch(value) is None:
        return "is not a valid integer"
    # Length first: Python refuses to convert more than 4,300 digits, and 11 already overflow.
    if len(value.lstrip("-")) > 10 or not _INT_MIN <= int(value) <= _INT_MAX:
        return "is out of range for an integer (32-bit)"
    return None


def _pattern(regex: re.Pattern[str], wording: str, *, collapsed: bool) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if regex.fullmatch(collapse(value) if collapsed else value) else wording

    return check


def dotted_number(text: str, *, leading_zeros: bool = True) -> bool:
    """True for numbers joined by single dots (``1.2.840.113619``), checked in linear time and memory.

    (The obvious ``[0-9]+(\\.[0-9]+)*`` makes the regular expression engine keep state for every
    part: a 6 MB value would take a gigabyte.)
    """
    if _DIGITS_AND_DOTS.fullmatch(text) is None or text[0] == "." or text[-1] == "." or ".." in text:
        return False
    return leading_zeros or _LEADING_ZERO.search(text) is None


def _oid(value: str) -> str | None:
    value = collapse(value)
    if value.startswith("urn:oid:") and dotted_number(value[8:], leading_zeros=False):
        return None
    return "is not a valid oid (urn:oid:1.2.3)"


def _boolean(value: str) -> str | None:
    return None if collapse(value) in ("true", "false", "1", "0") else "is not a boolean (true or false)"


def _string(value: str) -> str | None:
    return None if value else "is empty; leave the element out instead"


def _code(value: str) -> str | None:
    return None if collapse(value) else "is empty; a code needs at least one character"


def _uri(value: str) -> str | None:
    value = collapse(value)
    if _BAD_ESCAPE.search(value):
        return "is not a valid URI: '%' must start a two-digit hex escape"
    if value.count("#") > 1:
        return "is not a valid URI: it has more than one '#'"
    head = _SCHEME_PART.match(value)
    if head is not None and not _SCHEME.fullmatch(head.group(1)):
        return "is not a valid URI: the part before ':' is not a scheme (a relative URI cannot have ':' in its first segment)"
    if "[" in value or "]" in value:
        bracket = re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\[[0-9A-Fa-f:.]+\](?::[0-9]*)?(?:[/?#][^\[\]]*)?", value)
        if bracket is None:
            return "is not a valid URI: '[' and ']' may only enclose an IPv6 host"
    return None


def _base64(value: str) -> str | None:
    compact = _SPACE.sub("", value)
    if len(compact) % 4 or _BASE64.fullmatch(compact) is None:
        return "is not valid base64"
    return None


def _time(value: str) -> str | None:
    return None if _TIME.fullmatch(value) else "is not a valid time (hh:mm:ss)"


CHECKS: dict[str, Callable[[str], str | None]] = {
    "boolean": _boolean,
    "integer": _integer,
    "unsignedInt": _pattern(_UNSIGNED, "is not a valid unsignedInt (0 or more, no sign)", collapsed=True),
    "positiveInt": _pattern(_POSITIVE, "is not a valid positiveInt (1 or more, no sign)", collapsed=True),
    "decimal": _pattern(_DECIMAL, "is not a valid decimal (digits, an optional '.', no exponent)", collapsed=True),
    "date": _date,
    "dateTime": _datetime,
    "instant": _instant,
    "time": _time,
    "code": _code,
    "string": _string,
    "markdown": _string,
    "id": _pattern(_ID, "is not a valid id (1 to 64 letters, digits, '-' and '.')", collapsed=False),
    "oid": _oid,
    "uuid": _pattern(_UUID, "is not a valid uuid (urn:uuid: and a lower-case UUID)", collapsed=True),
    "uri": _uri,
    "base64Binary": _base64,
}


def check_value(type_code: str, value: str) -> str | None:
    """Return what is wrong with ``value`` as a ``type_code`` primitive, or None when valid."""
    check = CHECKS.get(type_code)
    return check(value) if check is not None else None


def stricter_than_schema(type_code: str, value: str) -> str | None:
    """What FHIR forbids although the STU3 schema lets it pass (for a warning), or None."""
    if type_code == "instant":
        found = _INSTANT.fullmatch(value)
        if found is not None and found.group(8) is None:
            return "has no time zone; FHIR requires one on an instant (Z or +hh:mm)"
    if type_code == "boolean" and collapse(value) in ("1", "0"):
        return "is written as 1/0; FHIR allows only true or false"
    if type_code == "dateTime":
        found = _DATETIME.fullmatch(value)
        if found is not None and found.group(4) is not None and found.group(5) is None:
            return "has a time but no time zone; FHIR requires one when the time is given"
    if type_code in ("string", "markdown") and value != value.strip():
        return "starts or ends with whitespace"
    return None
