"""Mask patient data in a message so it can be shared: a plan, the masked copy, and a summary.

What counts as patient data: in every Patient and RelatedPerson (in the message, its document
and any nested Bundle) the identifiers, names, birth date (and date of death), addresses and
telecoms, including those of the patient's contacts; NHS numbers wherever an identifier carries
one; and every free-text occurrence of those values (narrative, displays, notes, titles), in the
ways they are commonly written (``943 476 5919``, ``16-Sep-1930``, ``SMITH``). Each original
value becomes the same replacement everywhere (see :mod:`.fakes`); birth dates are shifted by up
to 90 days so that the patient's age on every full date in the message stays the same, and a
date elsewhere equal to the birth date moves with it. Nothing else changes, so the masked copy
validates as the original did. Attachments (Binary, Attachment.data) cannot be examined and are
named in the plan's notes.

The masked copy is written in the message's own syntax from the edited tree; the input document
is never changed. The same seed gives the same bytes.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from workbench.core import stu3
from workbench.core.codecs import read_bytes, render
from workbench.core.positions import json_offsets
from workbench.core.stu3.paths import node_path
from workbench.core.toolkit.fakes import Fakes, age_on, date_forms, shifted
from workbench.core.tree import COMMENT, RESOURCE, XHTML, Document, Node, gc_paused
from workbench.core.words import plural

#: Resources whose details are patient data.
PATIENT_RESOURCES = frozenset({"Patient", "RelatedPerson"})

#: Kinds of replacement, in the order a summary lists them.
KINDS = ("NHS number", "identifier", "name", "birth date", "address", "postcode", "telecom", "date", "free text")

#: Types whose values are never free text.
_NOT_TEXT = frozenset(
    {
        "code", "uri", "id", "oid", "uuid", "base64Binary", "boolean", "integer", "decimal", "positiveInt",
        "unsignedInt", "instant", "date", "dateTime", "time",
    }
)  # fmt: skip
_DATES = frozenset({"date", "dateTime", "instant"})
#: JSON tokens, as positions.json_offsets scans them.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


@dataclass(frozen=True, slots=True)
class Replacement:
    """One value replaced.

    Attributes:
        kind: one of :data:`KINDS`.
        path: the element path.
        old, new: the value before and after.
        found: for free text, what was found in it (``name, NHS number``).
        node: the element in the plan's copy of the tree.
        part: ``value``, or ``text``/``tail`` for stray XML text in or after the element.
    """

    kind: str
    path: str
    old: str
    new: str
    found: str = ""
    node: Node | None = field(default=None, compare=False, repr=False)
    part: str = "value"

    def apply(self) -> None:
        """Put the new value in the tree."""
        assert self.node is not None
        if self.part == "value":
            self.node.value = self.new
        elif self.node.xml is not None:
            setattr(self.node.xml, self.part, self.new)


@dataclass(frozen=True)
class MaskResult:
    """A masked copy of a message.

    Attributes:
        data: the masked message, in the original's syntax.
        syntax: ``xml`` or ``json``.
        replacements: what was replaced where, in document order.
        notes: what could not be examined (attachments) and other remarks.
        document: the masked tree.
    """

    data: bytes
    syntax: str
    replacements: tuple[Replacement, ...]
    notes: tuple[str, ...]
    document: Document = field(repr=False)

    def counts(self) -> dict[str, int]:
        """Replacements per kind (kinds with none left out)."""
        counted = Counter(r.kind for r in self.replacements)
        return {kind: counted[kind] for kind in KINDS if counted[kind]}

    def summary_lines(self) -> list[str]:
        """What was replaced where, for a person: one line per kind, then one per place."""
        if not self.replacements:
            lines = ["no patient data found"]
        else:
            lines = [f"{plural(len(self.replacements), 'value')} replaced: " + ", ".join(
                f"{n} {kind}" for kind, n in self.counts().items()
            )]  # fmt: skip
            for r in self.replacements:
                found = f" ({r.found})" if r.found else ""
                lines.append(f"  {r.kind:<11} {r.path}{found}")
        lines.extend(f"note: {note}" for note in self.notes)
        return lines

    def to_json(self) -> dict[str, object]:
        """The summary as plain data (original values left out)."""
        return {
            "counts": self.counts(),
            "replacements": [
                {"kind": r.kind, "path": r.path, "found": r.found, "new": r.new} for r in self.replacements
            ],
            "notes": list(self.notes),
        }


class Masker:
    """Masks messages with one seed, so the same value becomes the same replacement in each.

    Args:
        seed: any text; None picks a random one (then nothing can be reproduced).
    """

    def __init__(self, seed: str | None = None) -> None:
        self.seed = seed if seed is not None else secrets.token_hex(16)
        self.fakes = Fakes(self.seed)

    def mask(self, document: Document) -> MaskResult:
        """A masked copy of a document as its bytes say (the document is left unchanged).

        A tree edited since it was read: render it and use :meth:`mask_bytes`.
        """
        data = document.source if document.source is not None else render(document, document.format)
        return self.mask_bytes(data, document.path, document.format)

    def mask_bytes(self, data: bytes, path: str | None = None, syntax: str | None = None) -> MaskResult:
        """A masked copy of a message's bytes, in the same syntax.

        Raises:
            ReadError: the bytes are not a readable FHIR document.
        """
        copy = read_bytes(data, path, syntax=syntax)
        with gc_paused():
            plan = _Plan(copy, self.fakes)
            replacements = plan.run()
        patched = _patch_json(copy, replacements) if copy.format == "json" else None
        for replacement in replacements:
            replacement.apply()
        masked = patched if patched is not None else render(copy, copy.format)
        return MaskResult(masked, copy.format, tuple(replacements), tuple(plan.notes), copy)


def _typed(root: Node) -> Iterator[tuple[Node, str | None]]:
    """Every node with its STU3 type (None where unknown), in document order."""
    stack: list[tuple[Node, str | None]] = [(root, None)]
    while stack:
        node, parent_type = stack.pop()
        if node.kind == RESOURCE:
            node_type: str | None = node.name
        elif node.kind == XHTML:
            node_type = "xhtml"
        elif parent_type is not None and node.kind != COMMENT:
            definition = stu3.element_def(parent_type, node.name)
            node_type = definition.type if definition is not None else None
        else:
            node_type = None
        yield node, node_type
        stack.extend((child, node_type) for child in reversed(node.children))


class _Plan:
    def __init__(self, document: Document, fakes: Fakes) -> None:
        self.document = document
        self.fakes = fakes
        self.nodes = list(_typed(document.root))
        self.done: dict[object, Replacement] = {}
        self.notes: list[str] = []
        self.terms: list[tuple[str, Callable[[re.Match[str]], str], str]] = []
        self._patterns: dict[str, int] = {}
        self._anchors: dict[str, set[int]] = {}
        self._dates: set[date] | None = None
        self._paths: dict[int, dict[int, tuple[int, int]]] = {}
        self.birth_shifts: dict[str, tuple[str, str]] = {}

    def run(self) -> list[Replacement]:
        patients = [n for n, _ in self.nodes if n.kind == RESOURCE and n.name in PATIENT_RESOURCES]
        for patient in patients:
            self._patient(patient)
        for node, _ in self.nodes:
            if node.name == "identifier" and _is_nhs_identifier(node):
                value = node.child("value")
                if value is not None and value.value and id(value) not in self.done:
                    new = self.fakes.nhs_number(value.value)
                    self._replace(value, "NHS number", new)
                    self._term_digits(value.value, new, "NHS number")
        self._dates_equal_to_birth()
        self._free_text()
        self._attachments()
        every = [*self.document.prolog, *(n for n, _ in self.nodes), *self.document.epilog]
        order = {id(n): i for i, n in enumerate(every)}
        return sorted(self.done.values(), key=lambda r: order[id(r.node)])

    def _replace(self, node: Node, kind: str, new: str, found: str = "", part: str = "value") -> None:
        old = (node.value if part == "value" else getattr(node.xml, part, None)) or ""
        if new != old:
            key = id(node) if part == "value" else (id(node), part)
            self.done[key] = Replacement(kind, node_path(node, self._paths), old, new, found, node, part)

    # ---- the structured details ----------------------------------------------------------

    def _patient(self, patient: Node) -> None:
        for identifier in patient.children_named("identifier"):
            value = identifier.child("value")
            if value is None or not value.value:
                continue
            if _is_nhs_identifier(identifier):
                new = self.fakes.nhs_number(value.value)
                self._replace(value, "NHS number", new)
                self._term_digits(value.value, new, "NHS number")
            else:
                new = self.fakes.identifier(value.value)
                self._replace(value, "identifier", new)
                if len(value.value) >= 4:
                    self._term_literal(value.value, new, "identifier")
        for node, node_type in _typed(patient):
            if node is not patient and node.kind == RESOURCE:
                continue
            if node_type == "HumanName":
                self._name(node)
            elif node_type == "Address":
                self._address(node)
            elif node_type == "ContactPoint":
                value = node.child("value")
                if value is not None and value.value:
                    new = self.fakes.telecom(value.value, node.value_at("system"))
                    self._replace(value, "telecom", new)
                    if "@" in value.value:
                        self._term_literal(value.value, new, "telecom")
                    else:
                        self._term_digits(value.value, new, "telecom")
        self._birth(patient)

    def _name(self, name: Node) -> None:
        for part, make in (("family", self.fakes.family), ("given", self.fakes.given)):
            for node in name.children_named(part):
                if not node.value:
                    continue
                words = node.value.split()
                new = " ".join(make(word) for word in words)
                self._replace(node, "name", new)
                for word, replaced in zip(words, new.split(), strict=False):
                    if len(word.strip(".,'-")) >= 2:
                        self._term_word(word, replaced, "name")

    def _address(self, address: Node) -> None:
        for node in address.children_named("line"):
            if node.value:
                new = self.fakes.address_line(node.value)
                self._replace(node, "address", new)
                self._term_spaced(node.value, new, "address")
        for part in ("city", "district"):
            node = address.child(part)
            if node is not None and node.value:
                self._replace(node, "address", self.fakes.town(node.value))
        node = address.child("postalCode")
        if node is not None and node.value:
            new = self.fakes.postcode(node.value)
            self._replace(node, "postcode", new)
            compact = node.value.replace(" ", "")
            if len(compact) >= 5:
                self._term(
                    r"(?<![A-Za-z0-9])"
                    + re.escape(compact[:-3])
                    + r"\s*"
                    + re.escape(compact[-3:])
                    + r"(?![A-Za-z0-9])",
                    lambda m, new=new: new,
                    "postcode",
                    {compact.lower(), compact[:-3].lower()},
                )

    def _birth(self, patient: Node) -> None:
        birth = patient.child("birthDate")
        if birth is None or not birth.value:
            return
        original = birth.value
        day = _as_date(original)
        if day is None:
            self.notes.append(
                f"{node_path(birth, self._paths)}: the birth date {len(original)} characters long is not a full date and was kept"
            )
            return
        references = self._reference_dates(day)

        def keeps_ages(days: int) -> bool:
            moved = _as_date(shifted(original, days) or "")
            return moved is not None and all(age_on(moved, r) == age_on(day, r) for r in references)

        days = self.fakes.shift_days(original, keeps_ages)
        new = shifted(original, days) or original
        self._replace(birth, "birth date", new)
        self.birth_shifts[original[:10]] = (new[:10], f"{days:+d} days")
        new_day = _as_date(new)
        assert new_day is not None
        for old_form, new_form in zip(date_forms(day), date_forms(new_day), strict=True):
            self._term(
                r"(?<![0-9A-Za-z])" + re.escape(old_form) + r"(?![0-9])",
                lambda m, f=new_form: f,
                "birth date",
                {str(day.year), day.strftime("%Y%m%d")},
                re.IGNORECASE,
            )
        deceased = patient.child("deceasedDateTime")
        if deceased is not None and deceased.value:
            moved = shifted(deceased.value, days)
            if moved:
                self._replace(deceased, "birth date", moved, "date of death, moved with the birth date")

    def _reference_dates(self, birth: date) -> set[date]:
        """The distinct full dates in the message after ``birth`` (the ages to keep)."""
        if self._dates is None:
            self._dates = set()
            for node, node_type in self.nodes:
                if node_type in _DATES and node.value and node.name != "birthDate":
                    day = _as_date(node.value)
                    if day is not None:
                        self._dates.add(day)
        return {day for day in self._dates if day > birth}

    def _dates_equal_to_birth(self) -> None:
        for node, node_type in self.nodes:
            if node_type in _DATES and node.value and id(node) not in self.done:
                moved = self.birth_shifts.get(node.value[:10])
                if moved is not None:
                    self._replace(node, "date", moved[0] + node.value[10:], "the birth date, moved with it")

    # ---- free text -----------------------------------------------------------------------

    def _term(
        self, pattern: str, make: Callable[[re.Match[str]], str], kind: str, anchors: set[str], flags: int = 0
    ) -> None:
        """A value to find in free text: its pattern, its replacement, and the words (lower
        case) one of which a text must hold for the pattern to be tried on it."""
        pattern = pattern if not flags else f"(?i:{pattern})"
        if pattern in self._patterns or not anchors:
            return
        self._patterns[pattern] = len(self.terms)
        for anchor in anchors:
            self._anchors.setdefault(anchor, set()).add(len(self.terms))
        self.terms.append((pattern, make, kind))

    def _term_literal(self, old: str, new: str, kind: str) -> None:
        self._term(re.escape(old), lambda m: new, kind, _longest_word(old), re.IGNORECASE)

    def _term_word(self, old: str, new: str, kind: str) -> None:
        def cased(match: re.Match[str]) -> str:
            text = match.group(0)
            return new.upper() if text.isupper() and len(text) > 1 else new.lower() if text.islower() else new

        self._term(r"(?<![^\W\d_])" + re.escape(old) + r"(?![^\W\d_])", cased, kind, _longest_word(old), re.IGNORECASE)

    def _term_spaced(self, old: str, new: str, kind: str) -> None:
        words = old.split()
        if words:
            pattern = r"\s+".join(re.escape(w) for w in words)
            self._term(pattern, lambda m: new, kind, _longest_word(old), re.IGNORECASE)

    def _term_digits(self, old: str, new: str, kind: str) -> None:
        digits = re.sub(r"\D", "", old)
        new_digits = re.sub(r"\D", "", new)
        if len(digits) < 6:
            return
        pattern = r"(?<!\d)" + r"[\s-]?".join(digits) + r"(?!\d)"

        def laid_out(match: re.Match[str]) -> str:
            made = iter(new_digits)
            return "".join(next(made, c) if c.isdigit() else c for c in match.group(0))

        self._term(pattern, laid_out, kind, {digits, digits[:3], digits[:4], digits[:5]})

    def _free_text(self) -> None:
        if not self.terms:
            return
        by_group = {f"t{i}": (make, kind) for i, (_, make, kind) in enumerate(self.terms)}
        compiled: dict[frozenset[int], re.Pattern[str]] = {}

        def substitute(text: str) -> tuple[str, list[str]]:
            words = set(_WORDS.findall(text.lower()))
            chosen = frozenset(i for word in words & self._anchors.keys() for i in self._anchors[word])
            if not chosen:
                return text, []
            pattern = compiled.get(chosen)
            if pattern is None:
                pattern = compiled[chosen] = re.compile(
                    "|".join(f"(?P<t{i}>{self.terms[i][0]})" for i in sorted(chosen))
                )
            return _substitute(pattern, by_group, text)

        comments = [(c, None) for c in (*self.document.prolog, *self.document.epilog)]
        for node, node_type in [*self.nodes, *comments]:
            if node.xml is not None:
                for part in ("text", "tail"):
                    stray = getattr(node.xml, part)
                    changed, found = substitute(stray) if stray else (stray, [])
                    if changed != stray:
                        self._replace(node, "free text", changed or "", ", ".join(found), part)
            if node.value is None or id(node) in self.done:
                continue
            if node_type in _NOT_TEXT or node.name in ("reference", "url", "system"):
                continue
            parent = node.parent
            if node.name == "id" and parent is not None and parent.kind == RESOURCE:
                continue
            new, found = substitute(node.value)
            if new != node.value:
                self._replace(node, "free text", new, ", ".join(found))

    def _attachments(self) -> None:
        count = Counter()
        for node, _ in self.nodes:
            if node.kind == RESOURCE and node.name == "Binary" and node.child("content") is not None:
                count[node.value_at("contentType") or "no content type"] += 1
            elif node.name == "data" and node.parent is not None and node.parent.child("contentType") is not None:
                count[node.parent.value_at("contentType") or "no content type"] += 1
        if count:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(count.items()))
            self.notes.append(
                f"{plural(sum(count.values()), 'attachment')} ({kinds}) could not be examined and may hold patient data"
            )


def _substitute(
    pattern: re.Pattern[str], by_group: dict[str, tuple[Callable[[re.Match[str]], str], str]], text: str
) -> tuple[str, list[str]]:
    """``text`` with every term replaced, and the kinds of term found."""
    found: list[str] = []

    def swap(match: re.Match[str]) -> str:
        make, kind = by_group[match.lastgroup or ""]
        if kind not in found:
            found.append(kind)
        return make(match)

    return pattern.sub(swap, text), found


def _patch_json(document: Document, replacements: list[Replacement]) -> bytes | None:
    """The JSON source with each replaced string changed in place, everything else byte for
    byte (so JSON-only defects the validator reports stay); None when a value cannot be found
    where the reader saw it."""
    text = document.text
    if text is None:
        return None
    offsets = json_offsets(text)
    edits: dict[int, tuple[int, str]] = {}
    for replacement in replacements:
        node = replacement.node
        if replacement.part != "value" or node is None or not 0 <= node.src < len(offsets):
            return None
        token = _value_token(text, offsets[node.src], replacement.old, edits)
        if token is None:
            return None
        edits[token.start()] = (token.end(), json.dumps(replacement.new, ensure_ascii=False))
    out = text
    for start in sorted(edits, reverse=True):
        end, new = edits[start]
        out = out[:start] + new + out[end:]
    encoded = out.encode("utf-8")
    return b"\xef\xbb\xbf" + encoded if document.source and document.source.startswith(b"\xef\xbb\xbf") else encoded


def _value_token(text: str, offset: int, old: str, taken: dict[int, tuple[int, str]]) -> re.Match[str] | None:
    """The string token holding ``old`` at a value's offset: the value itself, a member's value
    after its key, or an item of the member's array (comments), not one already taken."""
    tokens = _TOKEN.finditer(text, offset)
    first = next(tokens, None)
    if first is None:
        return None
    candidates = [first]
    colon = next(tokens, None) if first.group().startswith('"') else None
    if colon is not None and colon.group() == ":":
        value = next(tokens, None)
        candidates = [value] if value is not None else []
        if value is not None and value.group() == "[":
            candidates = []
            for item in tokens:
                if item.group() in ("]", "[", "{", "}"):
                    break
                candidates.append(item)
    for token in candidates:
        if token.start() in taken or not token.group().startswith('"'):
            continue
        try:
            if json.loads(token.group()) == old:
                return token
        except ValueError:
            return None
    return None


_WORDS = re.compile(r"[^\W_]+")


def _longest_word(text: str) -> set[str]:
    """The longest word of a text, in lower case (the anchor a free text must hold)."""
    words = _WORDS.findall(text.lower())
    return {max(words, key=len)} if words else set()


def _is_nhs_identifier(identifier: Node) -> bool:
    system = identifier.value_at("system") or ""
    return system.rstrip("/").endswith("/nhs-number")


def _as_date(value: str) -> date | None:
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def mask_document(document: Document, seed: str | None = None) -> MaskResult:
    """A masked copy of one document (see :class:`Masker` to mask several consistently)."""
    return Masker(seed).mask(document)
