"""FHIRPath for invariants: fhirpathpy with a strict syntax check and linear-time regular expressions.

Two things fhirpathpy does not do safely on a profile a user loads:

* **Syntax errors pass silently.** Its ANTLR parser recovers from them (``name.((((`` compiles
  to ``name``), so a broken invariant would always "pass". :func:`syntax_error` parses with a
  listener that keeps the first error and requires the whole expression to be read.
* **Regular expressions can take exponential time.** ``matches()`` and ``replaceMatches()`` run
  Python's backtracking ``re``, so ``name.family.all($this.matches('^(a+)+$'))`` on a family
  name of 34 ``a`` and a ``!`` would not finish in our lifetime. Here both run on RE2
  (``google-re2``), an automaton-based engine whose time is linear in the text for every
  pattern: the invariant is evaluated, and quickly. A pattern RE2 cannot run (backreferences,
  lookaround: features that need backtracking) raises :class:`RegexUnsupported`, which the
  engine reports as "could not be evaluated". RE2 rather than a time limit on a backtracking
  engine: a time limit depends on how busy the machine is, so the same message could pass on
  one run and be unevaluated on the next; RE2's answer is the same every time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

#: Patterns longer than this are not compiled (RE2 also bounds the memory a compiled pattern uses).
MAX_PATTERN = 10_000


class RegexUnsupported(Exception):
    """A regular expression in an invariant that the linear-time engine cannot run."""


# ---- syntax -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def syntax_error(expression: str) -> str | None:
    """What is wrong with the syntax of a FHIRPath expression (first error, with its column), or None."""
    from antlr4 import CommonTokenStream, InputStream, Token
    from antlr4.error.ErrorListener import ErrorListener
    from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
    from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

    class _First(ErrorListener):
        def __init__(self) -> None:
            self.error: str | None = None

        def syntaxError(self, recognizer: object, symbol: object, line: int, column: int, msg: str, e: object) -> None:
            if self.error is None:
                self.error = f"{msg.split(' expecting ')[0]} at column {column + 1}"

    listener = _First()
    try:
        lexer = FHIRPathLexer(InputStream(expression))
        lexer.removeErrorListeners()
        lexer.addErrorListener(listener)
        tokens = CommonTokenStream(lexer)
        parser = FHIRPathParser(tokens)
        parser.removeErrorListeners()
        parser.addErrorListener(listener)
        parser.expression()
        if listener.error is None and tokens.LA(1) != Token.EOF:
            extra = tokens.LT(1)
            listener.error = f"unexpected {extra.text!r} at column {extra.column + 1}"
    except RecursionError:
        return "the expression nests too deeply"
    except Exception as exc:  # the parser's own failure is a syntax problem too
        return f"{type(exc).__name__}: {exc}"
    return listener.error


# ---- regular expressions ----------------------------------------------------------------


@lru_cache(maxsize=256)
def _pattern(regex: str, dot_all: bool) -> Any:
    if len(regex) > MAX_PATTERN:
        raise RegexUnsupported(f"the regular expression is {len(regex):,} characters long, more than {MAX_PATTERN:,}")
    options = re2.Options()
    options.log_errors = False  # RE2 would print each error on standard error
    options.dot_nl = dot_all
    try:
        return re2.compile(regex, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexUnsupported(
            f"the regular expression {_shown(regex)} cannot be run in linear time ({reason}); "
            "backreferences and lookaround are not supported"
        ) from None


def _shown(regex: str) -> str:
    return repr(regex if len(regex) <= 60 else regex[:57] + "...")


def _single_string(inputs: list[Any], function: str) -> str:
    if len(inputs) == 1 and isinstance(inputs[0], str):
        return inputs[0]
    raise TypeError(f"{function}() needs a single string, but got {len(inputs)} item(s)")


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RegexUnsupported("the value holds a lone surrogate, which is not text a pattern can match") from None
    return value


def _matches(inputs: list[Any], regex: Any) -> Any:
    """FHIRPath ``matches()``: as fhirpathpy has it (search, ``.`` matches newlines), on RE2."""
    if not regex or not inputs:
        return []
    string = _single_string(inputs, "matches")
    return _pattern(regex, True).search(_text(string)) is not None


def _replace_matches(inputs: list[Any], regex: Any, substitution: Any) -> Any:
    """FHIRPath ``replaceMatches()``: ``$1`` in the substitution names a group, as fhirpathpy has it."""
    if not inputs or isinstance(regex, list) or isinstance(substitution, list):
        return []
    string = _single_string(inputs, "replaceMatches")
    replacement = re2.sub(r"\$(\d+)", r"\\\1", substitution)
    return _pattern(regex, False).sub(replacement, _text(string))


# ---- compiling ----------------------------------------------------------------------------


def _has_value(inputs: list[Any]) -> bool:
    return len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], dict | list)


USER_FUNCTIONS: dict[str, dict[str, Any]] = {
    "hasValue": {"fn": _has_value},
    "htmlChecks": {"fn": lambda inputs: True},
    "htmlchecks": {"fn": lambda inputs: True},
    "matches": {"fn": _matches, "arity": {1: ["String"]}, "nullable_input": True},
    "replaceMatches": {"fn": _replace_matches, "arity": {2: ["String", "String"]}, "nullable_input": True},
}


def _quiet_trace(*_args: object) -> None:
    """fhirpathpy's trace() prints unless given a trace function: keep output clean."""


@lru_cache(maxsize=4096)
def compiled(expression: str) -> Callable[..., list[Any]] | str:
    """Compile an expression once; return the function, or the error text when it fails."""
    problem = syntax_error(expression)
    if problem is not None:
        return f"syntax error: {problem}"
    try:
        from fhirpathpy import compile as fhirpath_compile
        from fhirpathpy.models import models

        return fhirpath_compile(
            expression, models["stu3"], {"userInvocationTable": USER_FUNCTIONS, "traceFn": _quiet_trace}
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
