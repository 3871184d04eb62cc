"""ACLs and conditions: ``if``/``unless``, ``!``, ``||``/``or``, implicit AND, ``{ ... }``.

A condition is an OR of AND-suites of terms, each term an ACL (named, or
anonymous between braces), maybe negated (src/acl.c ``parse_acl_cond()``);
HAProxy evaluates them left to right and stops at the first suite that holds.
Evaluation here is three-valued: a term the walk cannot evaluate is unknown,
and the condition is unknown only when the known terms do not settle it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from haproxy_model.analysis.route.fetches import (
    DEFAULT_METHOD,
    Expression,
    Files,
    evaluate,
    parse_expression,
)
from haproxy_model.analysis.route.matching import (
    METHODS,
    Pattern,
    Unknown,
    match_any,
    read_pattern_file,
)
from haproxy_model.analysis.route.request import State

__all__ = ["AclLine", "Condition", "Verdict", "parse_acl", "parse_condition", "split_condition"]

#: True, False, or the reason it cannot be told.
Verdict = bool | str

#: ``<fetch>_<method>`` criteria (src/http_acl.c, src/ssl_sample.c): the fetch they read.
_DERIVED_BASES = {"path": "path", "url": "url", "base": "base", "hdr": "req.hdr",
                  "urlp": "url_param", "ssl_fc_sni": "ssl_fc_sni", "cook": "cook",
                  "req.cook": "req.cook"}  # fmt: skip
_SUFFIXES = ("beg", "end", "sub", "reg", "dir", "dom", "len")

#: Manual section 7.4, the predefined ACLs this walk can evaluate.
PREDEFINED = {
    "HTTP": "req.ver -m found",
    "HTTP_1.0": "req.ver 1.0",
    "HTTP_1.1": "req.ver 1.1",
    "HTTP_2.0": "req.ver 2.0",
    "HTTP_URL_ABS": "url_reg ^[^/:]*://",
    "HTTP_URL_SLASH": "url_beg /",
    "HTTP_URL_STAR": "url *",
    "LOCALHOST": "src 127.0.0.1/8 ::1",
    "METH_CONNECT": "method CONNECT",
    "METH_DELETE": "method DELETE",
    "METH_GET": "method GET HEAD",
    "METH_HEAD": "method HEAD",
    "METH_OPTIONS": "method OPTIONS",
    "METH_POST": "method POST",
    "METH_PUT": "method PUT",
    "METH_TRACE": "method TRACE",
}


@attrs.frozen
class AclLine:
    """One ACL: its sample expression, match method, patterns and pattern files."""

    expression: Expression
    method: str
    patterns: tuple[str, ...]
    files: tuple[str, ...]
    icase: bool
    where: str  # for messages: "line N"

    def evaluate(self, state: State, files: Files) -> bool:
        values = list(self.patterns)
        for name in self.files:
            try:
                values += read_pattern_file(files.path(name))
            except OSError as exc:
                raise Unknown(f"pattern file {name!r} cannot be read ({exc.strerror})") from None
        samples = evaluate(self.expression, state, files, iterate=True)
        if self.method == "found":
            return bool(samples)
        if self.method == "bool" and not values:
            return any(bool(s) for s in samples)
        # a converted method is a string (pat_match_meth wants the fetch's own type)
        method = "str" if self.method == "meth" and self.expression.converters else self.method
        return match_any(samples, Pattern(method, tuple(values), self.icase))


def parse_acl(words: Sequence[str], where: str) -> AclLine:
    """The words after ``acl <name>`` (or inside ``{ }``): criterion, flags, patterns."""
    if not words:
        raise Unknown(f"an empty ACL ({where})")
    criterion = words[0]
    expression = parse_expression(criterion)
    name = expression.fetch.name
    method: str | None = None
    if name not in DEFAULT_METHOD:
        base, _, suffix = name.rpartition("_")
        if suffix in _SUFFIXES and base in _DERIVED_BASES:
            method = suffix
            fetch = attrs.evolve(expression.fetch, name=_DERIVED_BASES[base])
            expression = attrs.evolve(expression, fetch=fetch)
        else:
            raise Unknown(f"fetch {name!r} is not modelled")
    icase = False
    files: list[str] = []
    i = 1
    while i < len(words) and words[i].startswith("-"):
        flag = words[i]
        if flag == "--":
            i += 1
            break
        if flag == "-i":
            icase = True
        elif flag == "-n":
            pass
        elif flag in ("-f", "-m", "-u", "-M") and i + 1 < len(words):
            if flag == "-f":
                files.append(words[i + 1])
            elif flag == "-m":
                if words[i + 1] not in METHODS:
                    raise Unknown(f"match method -m {words[i + 1]} is not known")
                method = words[i + 1]
            elif flag == "-M":
                raise Unknown("-M (a map file as patterns) is not modelled")
            i += 1
        else:
            break
        i += 1
    if method is None:
        method = DEFAULT_METHOD[expression.fetch.name]
    return AclLine(expression, method, tuple(words[i:]), tuple(files), icase, where)


@attrs.frozen
class Term:
    negated: bool
    name: str | None  # a named ACL, or None for an anonymous one
    anonymous: tuple[str, ...] = ()


@attrs.frozen
class Condition:
    """``if``/``unless`` and the OR of AND-suites of terms."""

    unless: bool
    suites: tuple[tuple[Term, ...], ...]


def split_condition(words: Sequence[str], start: int = 1) -> tuple[list[str], Condition | None]:
    """A rule's words before its condition, and the condition (None when there is none)."""
    for i in range(start, len(words)):
        if words[i] in ("if", "unless"):
            return list(words[:i]), parse_condition(words[i], words[i + 1 :])
    return list(words), None


def parse_condition(keyword: str, words: Sequence[str]) -> Condition:
    """The terms of a condition, as ``parse_acl_cond()`` in src/acl.c reads them."""
    suites: list[tuple[Term, ...]] = []
    current: list[Term] = []
    negate = False
    i = 0
    while i < len(words):
        word = words[i]
        while word.startswith("!"):
            negate = not negate
            word = word[1:]
        if not word:
            i += 1
            continue
        if word.lower() == "or" or word == "||":
            suites.append(tuple(current))
            current = []
            negate = False
            i += 1
            continue
        if word == "{":
            end = i + 1
            while end < len(words) and words[end] != "}":
                end += 1
            current.append(Term(negate, None, tuple(words[i + 1 : end])))
            i = end + 1
        else:
            current.append(Term(negate, word))
            i += 1
        negate = False
    suites.append(tuple(current))
    return Condition(keyword == "unless", tuple(suites))


Acls = Mapping[str, Sequence["AclLine | str"]]


def _term(term: Term, acls: Acls, state: State, files: Files) -> Verdict:
    result: Verdict
    try:
        if term.name is None:
            result = parse_acl(term.anonymous, "anonymous ACL").evaluate(state, files)
        elif term.name == "TRUE":
            result = True
        elif term.name == "FALSE":
            result = False
        elif term.name in acls:
            named = _any_line(acls[term.name], state, files)
            if isinstance(named, str):
                return named
            result = named
        elif term.name in PREDEFINED:
            result = parse_acl(PREDEFINED[term.name].split(), term.name).evaluate(state, files)
        else:
            return f"ACL {term.name!r} is not modelled (not declared in this section)"
    except Unknown as exc:
        label = "anonymous ACL" if term.name is None else f"ACL {term.name!r}"
        return f"{label}: {exc.reason}"
    return result != term.negated


def _any_line(lines: Sequence[AclLine | str], state: State, files: Files) -> Verdict:
    """The lines of one named ACL are ORed (a string: a line that cannot be evaluated)."""
    unknown: str | None = None
    for line in lines:
        if isinstance(line, str):
            unknown = unknown or line
            continue
        try:
            if line.evaluate(state, files):
                return True
        except Unknown as exc:
            unknown = unknown or f"{exc.reason} ({line.where})"
    return unknown if unknown is not None else False


def holds(
    condition: Condition | None,
    acls: Acls,
    state: State,
    files: Files,
) -> Verdict:
    """Whether the rule applies: True, False, or why that cannot be told."""
    if condition is None:
        return True
    unknown: str | None = None
    result: Verdict = False
    for suite in condition.suites:
        suite_value: Verdict = True
        for term in suite:
            value = _term(term, acls, state, files)
            if value is False:
                suite_value = False
                break
            if isinstance(value, str) and suite_value is True:
                suite_value = value
        if suite_value is True:
            result = True
            break
        if isinstance(suite_value, str):
            unknown = unknown or suite_value
    if result is not True and unknown is not None:
        return unknown
    return (not result) if condition.unless else result
