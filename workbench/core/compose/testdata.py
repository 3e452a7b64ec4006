"""Test data an analyst needs at hand: NHS numbers from the test range, UUIDs, the current instant.

NHS numbers are ten digits, the last a modulus 11 check digit: the first nine are weighted 10
down to 2, the weighted sum's remainder mod 11 is taken from 11, 11 becomes 0, and 10 means the
nine digits cannot make a valid number. Numbers starting 999 are set aside for testing and never
issued to a person; :func:`nhs_test_number` draws only from that range.
"""

from __future__ import annotations

import random
import uuid

from workbench.core.clock import Clock, SystemClock, instant

#: The prefix of the NHS number range kept for testing.
TEST_PREFIX = "999"


def check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of nine digits, or None when no valid number has them."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("an NHS number's check digit is made from nine digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid_nhs_number(text: str) -> bool:
    """True for ten digits (spaces allowed between groups) whose check digit is right."""
    digits = "".join(text.split())
    if len(digits) != 10 or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def nhs_test_number(rng: random.Random | None = None) -> str:
    """A valid NHS number from the 999 test range."""
    draw = rng or random.SystemRandom()
    while True:
        first = TEST_PREFIX + "".join(str(draw.randrange(10)) for _ in range(6))
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"


def new_uuid() -> str:
    """A fresh random UUID (version 4), as FHIR ids and ``urn:uuid:`` references use them."""
    return str(uuid.uuid4())


def now_instant(clock: Clock | None = None) -> str:
    """The current time as a FHIR instant with its time zone (``2024-03-01T09:30:00.123+00:00``)."""
    return instant((clock or SystemClock()).now())
