"""The order in which a receiver checks a message, and the Response it would answer.

FACTS §5.2 suggests the order: unreadable (10009); the handling specification (100xx, with
the payload-rule conflict 10008 after the key-specific codes); the ITK header (20006); sender
known and authorised (20003, 20012); recipients (20001, 20002, then the payload's 20011,
20010); duplicates (20007, 20008); attachments (20004, 20005); size (20015) and replacement
(20014); payload validation (20009). A message that passes all of them gets 20013.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.core.catalogue import catalogue
from workbench.core.validation.issue import Issue

RECEIVER_ORDER: tuple[str, ...] = (
    "10009",
    "10001",
    "10002",
    "10003",
    "10010",
    "10004",
    "10005",
    "10007",
    "10008",
    "20006",
    "20003",
    "20012",
    "20001",
    "20002",
    "20011",
    "20010",
    "20007",
    "20008",
    "20004",
    "20005",
    "20015",
    "20014",
    "20009",
)
ACCEPTED = "20013"
_RANK = {code: i for i, code in enumerate(RECEIVER_ORDER)}


def predicted_response(issues: Iterable[Issue]) -> tuple[str, str]:
    """The (code, display) of the Response a receiver would send first for these issues.

    That is the rejecting finding earliest in receiver order, or 20013 (Success) when none
    would make a receiver reject.
    """
    codes = [i.itk_code for i in issues if i.itk_code and i.is_error]
    code = min(codes, key=lambda c: _RANK.get(c, len(_RANK))) if codes else ACCEPTED
    found = catalogue().response(code)
    return code, found.display if found is not None else code
