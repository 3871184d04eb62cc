"""Where a configuration holds sample expressions, and the fetch and converters of each.

A sample expression is a fetch, its arguments in parentheses, then converters after
commas: ``req.hdr(host),lower,map(/etc/hosts.map)``. HAProxy parses one
(``sample_parse_expr()`` in src/sample.c) in these places, which :func:`expressions`
finds in file order:

* an ACL's criterion (``acl <name> <criterion> ...``) and the first word of an
  anonymous ACL in a condition (``if { <criterion> ... }``); there an ACL keyword
  (``hdr_beg``, ``path_end``) may stand for the fetch (``Expression.criterion``);
* the ``%[...]`` of a log-format string: ``log-format``, ``log-format-sd``,
  ``error-log-format``, ``unique-id-format``, a dynamic ``use_backend``/``use-server``,
  and the format arguments of rule actions (``set-header X <fmt>``, ``set-var-fmt``,
  ``return ... lf-string <fmt>``, ``http-request redirect location <fmt>`` but not the
  ``redirect`` directive's, ``http-check send``...), ``http-error``, fcgi-app's
  ``set-param``;
* the expression argument of ``set-var(...)``, ``set-src``, ``track-sc0``,
  ``capture``, ``do-resolve(...)``, ``sc-set-gpt0(...)`` and the like, ``stick on``/
  ``match``/``store-*``, ``balance hash`` and a server's ``sni`` (not a
  ``default-server``'s: HAProxy parses it only for the servers that inherit it).

Only those: a word elsewhere (an ACL's patterns, a regex, a literal ``string``) is
never read as an expression. Lines holding an environment variable are left out,
since their words are only known once HAProxy expands it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import attrs

from haproxy_model.analysis.validation._context import Block, Context, Item

__all__ = ["Expression", "Term", "condition_start", "expressions", "format_starts", "parse"]


@attrs.frozen
class Term:
    """A fetch or converter of an expression: its name, where it starts in the word,
    and its decoded arguments (None without parentheses)."""

    name: str
    start: int
    converter: bool
    args: tuple[str, ...] | None = None


@attrs.frozen
class Expression:
    """A sample expression in word ``index`` of ``item``, starting at ``start``."""

    block: Block
    item: Item
    index: int
    start: int
    criterion: bool
    terms: tuple[Term, ...]

    @property
    def fetch(self) -> Term:
        return self.terms[0]


# HAProxy's is_idchar(): the characters of a fetch or converter name.
_NAME = re.compile(r"[A-Za-z0-9._+:-]*")
_CONSTANT = re.compile(r"[\s0-9+-]")  # how an integer, time or size ("5s", "0xff") starts

# -- reading one expression ------------------------------------------------------------


def _arguments(word: str, i: int) -> tuple[tuple[str, ...], int] | None:
    """The arguments of the ``(`` at ``i`` and the index after its ``)``, read as
    ``make_arg_list()`` (src/arg.c) reads them: quotes group, a backslash escapes a
    quote, a space or itself; an unquoted ``,`` separates and ``)`` ends. None when
    no ``)`` ends them."""
    args: list[str] = []
    current: list[str] = []
    squote = dquote = False
    i += 1
    while i < len(word):
        c = word[i]
        if c == '"' and not squote:
            dquote = not dquote
        elif c == "'" and not dquote:
            squote = not squote
        elif c == "\\" and not squote and i + 1 < len(word) and word[i + 1] in "\\ \"'":
            current.append(word[i + 1])
            i += 1
        elif not squote and not dquote and c in ",)":
            args.append("".join(current))
            current = []
            if c == ")":
                return tuple(args), i + 1
        else:
            current.append(c)
        i += 1
    return None


def parse(word: str, start: int = 0) -> tuple[Term, ...]:
    """The fetch and the comma-attached converters of the expression at ``start``.

    Reading stops where HAProxy's would (the end of the word; in a format, the first
    character after a term that is not a comma) and where it cannot be followed (an
    argument list without its ``)``). A fetch name of ``""`` is a missing fetch.
    Converters written as separate words are not read: HAProxy takes a following word
    as a converter only when it knows it.
    """
    terms: list[Term] = []
    i = start
    converter = False
    while True:
        m = _NAME.match(word, i)
        assert m is not None
        name, end = m.group(0), m.end()
        if converter and not name:
            break
        args = None
        if end < len(word) and word[end] == "(" and name:
            found = _arguments(word, end)
            if found is None:
                terms.append(Term(name, i, converter))
                break
            args, end = found
        terms.append(Term(name, i, converter, args))
        if not name or end >= len(word) or word[end] != ",":
            break
        while end < len(word) and word[end] == ",":
            end += 1
        if end >= len(word):
            break
        i, converter = end, True
    return tuple(terms)


def format_starts(word: str, aliases: bool = True) -> Iterator[int]:
    """Where each ``%[...]`` expression of log-format string ``word`` starts.

    ``%%`` is a literal ``%``; ``%{+Q}[...]`` carries options before the bracket, and
    so does ``%(name)[...]`` with ``aliases`` (HAProxy 3.0+; before, ``%(`` is text)."""
    i = 0
    while True:
        i = word.find("%", i)
        if i < 0 or i + 1 >= len(word):
            return
        j = i + 1
        if word[j] == "%":
            i = j + 1
            continue
        if word[j] == "(" and aliases:
            close = word.find(")", j)
            if close < 0:
                return
            j = close + 1
        if j < len(word) and word[j] == "{":
            close = word.find("}", j)
            if close < 0:
                return
            j = close + 1
        if j < len(word) and word[j] == "[":
            yield j + 1
        i = j


# -- where expressions stand ------------------------------------------------------------

#: Rule keywords: the action follows (after a rule set for tcp-request/tcp-response).
RULES = frozenset(
    {
        "http-request",
        "http-response",
        "http-after-response",
        "tcp-request",
        "tcp-response",
        "quic-initial",
        "http-check",
        "tcp-check",
    }
)
_RULE_SETS = frozenset({"connection", "session", "content"})

#: Lines that may end with an ``if``/``unless`` condition.
CONDITIONAL = RULES - {"http-check", "tcp-check"} | {
    "use_backend",
    "use-server",
    "force-persist",
    "ignore-persist",
    "stick",
    "redirect",
    "monitor",
    "stats",
    "set-param",
    "pass-header",
}

# Actions whose first argument is an expression (for those of _CONSTANT_FIRST, an
# integer instead is a constant: a word starting with a digit or a sign is left alone).
_EXPRESSION_ACTIONS = frozenset(
    {
        "set-var",
        "set-src",
        "set-dst",
        "set-src-port",
        "set-dst-port",
        "set-priority-class",
        "set-priority-offset",
        "do-resolve",
        "capture",
        "sc-set-gpt0",
        "sc-set-gpt",
        "sc-add-gpc",
        "set-retries",
        "set-fc-mark",
        "set-fc-tos",
        "set-bc-mark",
        "set-bc-tos",
    }
)
_CONSTANT_FIRST = frozenset(
    {"sc-set-gpt0", "sc-set-gpt", "sc-add-gpc", "set-retries"}
    | {"set-fc-mark", "set-fc-tos", "set-bc-mark", "set-bc-tos"}
)
_TRACK = re.compile(r"track-sc\d+")

# Actions whose arguments at these positions are log-format strings.
_FORMAT_ARGS: dict[str, tuple[int, ...]] = {
    "set-header": (1,),
    "add-header": (1,),
    "early-hint": (1,),
    "replace-header": (2,),
    "replace-value": (2,),
    "replace-path": (1,),
    "replace-pathq": (1,),
    "replace-uri": (1,),
    "set-path": (0,),
    "set-pathq": (0,),
    "set-query": (0,),
    "set-uri": (0,),
    "set-method": (0,),
    "set-var-fmt": (0,),
    "set-map": (0, 1),
    "add-acl": (0,),
    "del-acl": (0,),
    "del-map": (0,),
    "send-lf": (0,),
    "send-binary-lf": (0,),
}
# In `return`/`deny`/`tarpit`/`redirect`/`http-error`/`http-check send` arguments: the
# keywords a log-format string follows (`lf-string <fmt>`, `redirect location <fmt>`,
# `uri-lf <fmt>`; `hdr <name> <fmt>`), and those a literal value follows.
_FORMAT_AFTER = frozenset({"lf-string", "location", "prefix", "scheme", "uri-lf", "body-lf"})
_VALUE_AFTER = frozenset(
    {"status", "content-type", "errorfile", "errorfiles", "file", "lf-file", "string"}
    | {"deny_status", "code", "set-cookie", "clear-cookie", "meth", "uri", "ver", "body"}
    | {"comment"}
)
_FORMAT_AFTER_ACTIONS = frozenset({"return", "deny", "tarpit", "redirect", "send"})
#: Directives whose arguments are log-format strings.
FORMAT_DIRECTIVES = frozenset(
    {"log-format", "log-format-sd", "error-log-format", "unique-id-format"}
)
#: ``stick on <expr>``, ``balance hash <expr>``...
_EXPRESSION_SECOND = frozenset(
    {("stick", "on"), ("stick", "match"), ("stick", "store-request")}
    | {("stick", "store-response"), ("balance", "hash")}
)
#: Server lines and the index of their first option (after name, address...). A
#: ``default-server``'s ``sni`` is parsed for each server that inherits it, if any.
_SERVERS = {"server": 3, "server-template": 4}


def condition_start(values: Sequence[str], start: int = 1) -> int | None:
    """The index of a line's ``if``/``unless`` (from ``start`` on), or None."""
    return next((i for i in range(start, len(values)) if values[i] in ("if", "unless")), None)


def action_index(values: Sequence[str]) -> int:
    """The index of a rule's action (2 after a tcp rule set such as ``content``)."""
    if (
        values[0] in ("tcp-request", "tcp-response")
        and len(values) > 2
        and (values[1] in _RULE_SETS)
    ):
        return 2
    return 1


def _places(values: Sequence[str]) -> Iterator[tuple[int, str]]:
    """``(word index, "criterion" | "expression" | "format")`` of a line's expressions."""
    keyword = values[0]
    if keyword == "acl":
        if len(values) > 2:
            yield 2, "criterion"
        return
    end = len(values)
    if keyword in CONDITIONAL:
        end = condition_start(values) or len(values)
        for i in range(end + 1, len(values) - 1):
            if values[i].lstrip("!") == "{":
                yield i + 1, "criterion"
    if keyword in FORMAT_DIRECTIVES:
        yield from ((i, "format") for i in range(1, end))
    elif keyword in ("use_backend", "use-server") and end > 1:
        yield 1, "format"
    elif end > 2 and (keyword, values[1]) in _EXPRESSION_SECOND:
        yield 2, "expression"
    elif keyword in _SERVERS:
        first = _SERVERS[keyword]
        yield from ((i + 1, "expression") for i in range(first, end - 1) if values[i] == "sni")
    elif keyword in ("http-error", "set-param"):  # the `redirect` directive's are text
        yield from _format_arguments(keyword, values, 1, end)
    elif keyword in RULES:
        yield from _action(values, end)


def _constant(word: str) -> bool:
    """Whether an argument that is an integer, a time or a size if it can be is one."""
    return not word or _CONSTANT.match(word) is not None


def _action(values: Sequence[str], end: int) -> Iterator[tuple[int, str]]:
    at = action_index(values)
    if at >= end:
        return
    action = values[at].split("(", 1)[0]
    first = at + 1
    if action in _EXPRESSION_ACTIONS or _TRACK.fullmatch(action):
        if first < end and not (action in _CONSTANT_FIRST and _constant(values[first])):
            yield first, "expression"
    elif action == "set-timeout":
        if first + 1 < end and not _constant(values[first + 1]):
            yield first + 1, "expression"
    elif action == "set-bandwidth-limit":
        for i in range(first, end - 1):
            if values[i] in ("limit", "period") and not _constant(values[i + 1]):
                yield i + 1, "expression"
    elif action in _FORMAT_ARGS:
        yield from ((first + n, "format") for n in _FORMAT_ARGS[action] if first + n < end)
    elif action in _FORMAT_AFTER_ACTIONS and (action != "send" or values[0] == "http-check"):
        yield from _format_arguments(action, values, first, end)  # tcp-check send: data


def _format_arguments(
    keyword: str, values: Sequence[str], first: int, end: int
) -> Iterator[tuple[int, str]]:
    """The formats of ``return``/``deny``/``redirect``/``http-error``/``http-check send``
    and fcgi-app's ``set-param <name> <fmt>``."""
    if keyword == "set-param":
        if first + 1 < end:
            yield first + 1, "format"
        return
    i = first
    while i < end - 1:
        if values[i] == "hdr" and keyword != "redirect":
            if i + 2 < end:
                yield i + 2, "format"
            i += 3
        elif values[i] in _FORMAT_AFTER:
            yield i + 1, "format"
            i += 2
        elif values[i] in _VALUE_AFTER:
            i += 2
        else:
            i += 1


def expressions(ctx: Context) -> Iterator[Expression]:
    """Every sample expression of the configuration, in file order, as the version
    validated reads it."""
    aliases = ctx.at_least("3.0")
    for block in ctx.blocks:
        if block.keyword == "global":
            continue
        for item in block.items:
            values = item.values
            if not values or any("$" in v for v in values):  # environment variables
                continue
            for index, kind in sorted(_places(values)):
                word = values[index]
                if kind == "format":
                    for start in format_starts(word, aliases):
                        terms = parse(word, start)
                        yield Expression(block, item, index, start, False, terms)
                else:
                    yield Expression(block, item, index, 0, kind == "criterion", parse(word))
