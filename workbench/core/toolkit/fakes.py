"""Made-up patient details for masking: test NHS numbers, names, addresses, postcodes, telecoms.

Every replacement is derived from the seed and the original value alone (a keyed hash), so the
same original becomes the same replacement in every place and every file masked with the same
seed. NHS numbers come from the 999 range that is never issued, with a valid modulus 11 check
digit (or a wrong one when the original's was wrong, so validation does not change); phone
numbers from Ofcom's drama ranges; postcodes from the ZZ99 pseudo-postcode area; e-mail
addresses at example.org.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date, timedelta

_FAMILY = (
    "Ashdown", "Brightwell", "Calloway", "Denholm", "Everleigh", "Fairbairn", "Glenister", "Hollingsworth",
    "Ingleby", "Jessop", "Kettering", "Lockwood", "Marchbank", "Northcott", "Oakenfold", "Pendlebury",
    "Quennell", "Rowntree", "Silverwood", "Thackeray", "Underhill", "Vickery", "Whitlock", "Yardley",
    "Ambridge", "Bramwell", "Cresswell", "Dunstable", "Eastwood", "Fenwick", "Gately", "Hartigan",
)  # fmt: skip
_GIVEN = (
    "Alex", "Bailey", "Casey", "Dana", "Ellis", "Frankie", "Gale", "Harper", "Indy", "Jordan", "Kit",
    "Lindsay", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Robin", "Sasha", "Taylor", "Umber",
    "Vale", "Wren", "Yarrow", "Avery", "Blake", "Corin", "Devon", "Emery", "Finley", "Glenn", "Hollis",
)  # fmt: skip
_STREETS = ("Larch", "Rowan", "Hazel", "Alder", "Juniper", "Aspen", "Linden", "Willow", "Cedar", "Elder", "Holly")
_STREET_KINDS = ("Road", "Lane", "Close", "Avenue", "Way", "Gardens", "Crescent", "Grove")
_TOWNS = ("Testbury", "Maskington", "Fictonville", "Placeham", "Exampleford", "Sampleton", "Dummerby")
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward part may use


class Fakes:
    """Deterministic replacements for one seed, kept distinct for distinct originals."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self._made: dict[tuple[str, str], str] = {}
        self._used: dict[str, set[str]] = {}

    def _rng(self, kind: str, original: str, attempt: int = 0) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}\x00{kind}\x00{original}\x00{attempt}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _make(self, kind: str, original: str, build: object) -> str:
        key = (kind, original)
        if key in self._made:
            return self._made[key]
        used = self._used.setdefault(kind, set())
        made = original
        for attempt in range(200):
            made = build(self._rng(kind, original, attempt))  # type: ignore[operator]
            if made != original and made not in used and original.lower() not in made.lower():
                break
        used.add(made)
        self._made[key] = made
        return made

    # ---- identifiers ---------------------------------------------------------------------

    def nhs_number(self, original: str) -> str:
        """A 999-range NHS number, laid out like the original (spaces, hyphens kept)."""
        digits = re.sub(r"\D", "", original)
        if len(digits) != 10:
            return self.identifier(original)
        valid = is_valid_nhs_number(digits)
        made = self._make("nhs-number", digits, lambda rng: test_nhs_number(rng, valid=valid))
        return with_layout(original, made)

    def identifier(self, original: str) -> str:
        """Another identifier of the same shape: digits for digits, letters for letters."""
        return self._make("identifier", original, lambda rng: _same_shape(original, rng))

    # ---- names and addresses -------------------------------------------------------------

    def family(self, original: str) -> str:
        """A made-up family name, in the original's case style."""
        return _cased(original, self._make("family", original.lower(), lambda rng: rng.choice(_FAMILY)))

    def given(self, original: str) -> str:
        """A made-up given name, in the original's case style."""
        return _cased(original, self._make("given", original.lower(), lambda rng: rng.choice(_GIVEN)))

    def address_line(self, original: str) -> str:
        """A made-up street address line."""

        def build(rng: random.Random) -> str:
            return f"{rng.randint(1, 199)} {rng.choice(_STREETS)} {rng.choice(_STREET_KINDS)}"

        return _cased(original, self._make("line", _squash(original), build))

    def town(self, original: str) -> str:
        """A made-up town."""
        return _cased(original, self._make("town", original.lower(), lambda rng: rng.choice(_TOWNS)))

    def postcode(self, original: str) -> str:
        """A pseudo-postcode in the ZZ99 area (``ZZ99 3QX``), spaced like the original."""

        def build(rng: random.Random) -> str:
            inward = f"{rng.randint(0, 9)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"
            return f"ZZ{rng.randint(10, 99)} {inward}"

        made = self._make("postcode", _squash(original).replace(" ", "").upper(), build)
        if " " not in original.strip():
            made = made.replace(" ", "")
        return made.lower() if original.islower() else made

    # ---- telecoms ------------------------------------------------------------------------

    def telecom(self, original: str, system: str | None = None) -> str:
        """A made-up phone number (drama range), e-mail address or same-shape value."""
        if "@" in original or system == "email":
            return self._make("email", original.lower(), lambda rng: f"patient{rng.randint(1000, 9999)}@example.org")
        digits = re.sub(r"\D", "", original)
        if len(digits) >= 6:
            made = self._make("phone", digits, lambda rng: _phone(digits, rng))
            return with_layout(original, made)
        return self.identifier(original)

    # ---- dates ---------------------------------------------------------------------------

    def shift_days(self, original: str, acceptable: object) -> int:
        """A shift in days for a birth date, between 1 and 90 days either way, that
        ``acceptable(days)`` allows (the ages it must keep); the least bad when none is."""
        rng = self._rng("birth-date", original)
        candidates = [d * rng.choice((-1, 1)) for d in rng.sample(range(1, 91), 90)]
        for days in candidates:
            if acceptable(days):  # type: ignore[operator]
                return days
        return candidates[0]


def is_valid_nhs_number(digits: str) -> bool:
    """True for ten digits whose last is the modulus 11 check digit of the first nine."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = check_digit(digits[:9])
    return check is not None and check == int(digits[9])


def check_digit(nine: str) -> int | None:
    """The modulus 11 check digit of nine digits (None when it would be 10: no valid number)."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def test_nhs_number(rng: random.Random, *, valid: bool = True) -> str:
    """A 999-range NHS number: with a valid check digit, or a wrong one when ``valid`` is False."""
    while True:
        nine = "999" + "".join(str(rng.randint(0, 9)) for _ in range(6))
        check = check_digit(nine)
        if check is None:
            continue
        if valid:
            return nine + str(check)
        return nine + str((check + 1 + rng.randint(0, 8)) % 10)


def with_layout(original: str, digits: str) -> str:
    """Put ``digits`` in place of the original's digits, keeping its spaces and hyphens."""
    made = iter(digits)
    out = [next(made, c) if c.isdigit() else c for c in original]
    return "".join(out)


def shifted(value: str, days: int) -> str | None:
    """A date (``YYYY-MM-DD``, or the date part of a dateTime) moved by ``days``; None when it
    is not a full date."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if match is None:
        return None
    try:
        moved = date(int(match[1]), int(match[2]), int(match[3])) + timedelta(days=days)
    except ValueError:
        return None
    return moved.isoformat() + value[10:]


def age_on(birth: date, when: date) -> int:
    """Completed years from ``birth`` to ``when``."""
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def date_forms(day: date) -> list[str]:
    """The ways a date may be written in free text, always in the same order."""
    months = day.strftime("%B")
    forms = [
        day.isoformat(),
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day:02d}-{months[:3]}-{day.year}",
        f"{day.day:02d} {months[:3]} {day.year}",
        f"{day.day} {months[:3]} {day.year}",
        f"{day.day:02d} {months} {day.year}",
        f"{day.day} {months} {day.year}",
        f"{day.year}{day.month:02d}{day.day:02d}",
    ]
    return forms


def _same_shape(original: str, rng: random.Random) -> str:
    out = []
    for c in original:
        if c.isdigit():
            out.append(str(rng.randint(0, 9)))
        elif c.isalpha() and c.isascii():
            letter = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
            out.append(letter if c.isupper() else letter.lower())
        else:
            out.append(c)
    return "".join(out)


def _phone(digits: str, rng: random.Random) -> str:
    """A drama-range number as long as the original: 07700 900xxx for mobiles, else 01632 960xxx."""
    if len(digits) < 10:
        return "0" + "".join(str(rng.randint(0, 9)) for _ in range(len(digits) - 1))
    base = "07700900" if digits.startswith(("07", "447")) else "01632960"
    return base + "".join(str(rng.randint(0, 9)) for _ in range(len(digits) - len(base)))


def _cased(original: str, made: str) -> str:
    if original.isupper() and len(original) > 1:
        return made.upper()
    if original.islower():
        return made.lower()
    return made


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()
