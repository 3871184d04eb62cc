"""Every check of :func:`haproxy_model.validate`, with a stable code.

Each rule has a code that never changes meaning (``HM102``), the name its
diagnostics carry (``unknown-keyword``), its usual severity, the HAProxy
versions it applies to and a one-line summary. ``haproxy-model check
--select/--ignore`` and ``validate(select=..., ignore=...)`` take codes or
names; a ``# haproxy-model: ignore[HM102]`` comment on a line silences those
codes there (``ignore`` alone: every code). ``haproxy-model check --list-checks``
prints the catalogue (``docs/checks.md`` is its output).

Codes by hundred: 0 parsing, 1 keywords and versions, 2 names and references,
3 argument values, 4 ACLs and rule order, 5 advice, 6 ``resolvers`` sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs

from haproxy_model.base.diagnostics import Diagnostic, Severity
from haproxy_model.base.errors import InvalidType, InvalidValue

__all__ = [
    "CHECKS",
    "RULES",
    "Check",
    "Rule",
    "active_checks",
    "catalogue",
    "filter_diagnostics",
    "inline_ignores",
    "registered",
    "rule",
]


@attrs.frozen
class Rule:
    """One check: its stable ``code``, diagnostic ``name``, usual severity, summary."""

    code: str
    name: str
    severity: Severity
    summary: str
    versions: str = "2.0-3.4"


RULES: tuple[Rule, ...] = (
    Rule("HM001", "parse-error", "error", "the text does not parse (HAProxy would refuse it)"),
    Rule("HM002", "missing-newline", "error",
         "the last line without its line feed (HAProxy 2.3+: 'Missing LF on last line')"),
    Rule("HM101", "unknown-section", "error",
         "a section keyword no HAProxy version registers, before any section (HAProxy: "
         "'out of section')"),
    Rule("HM102", "unknown-keyword", "error",
         "a first word no version's parser of that section accepts (HAProxy's 'unknown "
         "keyword'); with --strict also one no manual documents"),
    Rule("HM103", "unknown-option", "error",
         "an `option`, server or bind option no version documents (--strict only)"),
    Rule("HM104", "keyword-not-allowed", "error",
         "a keyword in a section where HAProxy does not accept it"),
    Rule("HM105", "keyword-version", "error",
         "a keyword or section the target version does not know (added later or removed; "
         "a later version's word outside the proxy sections is a warning)"),
    Rule("HM106", "option-version", "error",
         "a server, bind or proxy option the target version does not know"),
    Rule("HM107", "deprecated-keyword", "info", "a keyword the manual marks deprecated"),
    Rule("HM108", "removed-keyword", "error",
         "a keyword HAProxy removed (reqrep, contimeout, nbproc...): its message and "
         "replacement (a warning for the versions before the one refusing it)"),
    Rule("HM109", "header-argument", "error",
         "words after a proxy's name other than `from <defaults>` (an address: use `bind`), "
         "or any on the `global` line"),
    Rule("HM110", "unknown-fetch", "error",
         "a sample fetch the target version does not have (`fc_glitches` before 3.0), "
         "or none (`%[(arg)]`)"),
    Rule("HM111", "unknown-converter", "error",
         "a converter the target version does not have (`reverse_dom` before 3.4)"),
    Rule("HM112", "sample-argument", "error",
         "fetch or converter arguments the target version refuses: too many, too few, "
         "not an integer (`bytes(txn.start)` before 2.9)"),
    Rule("HM113", "build-option", "info",
         "a fetch or converter only some builds have (`lua.*`: USE_LUA, `51d.*`, "
         "`wurfl-get`; OpenSSL's taken for granted): a note, never an error"),
    Rule("HM114", "build-missing", "error",
         "with a build profile (`--build`, the binary's `haproxy -vv`): a keyword, fetch or "
         "converter needing a build option the binary lacks (`wurfl-data-file` without "
         "+WURFL), or a `quic4@` address without +QUIC"),
    Rule("HM201", "duplicate-proxy", "error",
         "two proxies of the same name (frontend and backend may share one)"),
    Rule("HM202", "duplicate-defaults", "warning", "two `defaults` sections of the same name"),
    Rule("HM203", "duplicate-server", "error", "two servers of the same name in one proxy"),
    Rule("HM204", "bad-name", "error", "a name with characters HAProxy refuses"),
    Rule("HM205", "missing-backend", "error",
         "`use_backend`/`default_backend` naming no backend"),
    Rule("HM206", "missing-server", "error", "`use-server`/`track` naming no server"),
    Rule("HM207", "missing-defaults", "error",
         "`from` naming no `defaults` section above it"),
    Rule("HM208", "missing-cache", "error", "`cache-use`/`filter cache` naming no cache section"),
    Rule("HM209", "missing-fcgi-app", "error", "`use-fcgi-app` naming no fcgi-app section"),
    Rule("HM210", "missing-http-errors", "error",
         "`errorfiles`/`errorfile` naming no http-errors section"),
    Rule("HM211", "missing-mailers", "error", "`email-alert mailers` naming no mailers section"),
    Rule("HM212", "missing-peers", "error", "`peers` of a stick table naming no peers section"),
    Rule("HM213", "missing-resolvers", "error",
         "a server's `resolvers` naming no resolvers section"),
    Rule("HM214", "missing-external-check", "error",
         "`option external-check` in a backend without `external-check` in `global`"),
    Rule("HM215", "defaults-rules-inheritance", "error",
         "a proxy inheriting a `defaults` section with TCP/HTTP rules where HAProxy forbids it "
         "(a defaults or listen section, frontends and backends sharing it, a backend given "
         "`tcp-request connection` rules...)"),
    Rule("HM216", "fcgi-server-without-app", "error",
         "a `proto fcgi` server in a proxy without `use-fcgi-app`"),
    Rule("HM301", "missing-argument", "error", "a keyword without the arguments it needs"),
    Rule("HM302", "bad-number", "error", "a number HAProxy would read as 0"),
    Rule("HM303", "bad-port", "error", "a port outside 1-65535, or not a single port"),
    Rule("HM304", "missing-port", "error", "an address that needs a port and has none"),
    Rule("HM305", "weight-range", "error", "a server weight outside 0-256"),
    Rule("HM306", "unknown-balance", "error", "a `balance` algorithm HAProxy does not have"),
    Rule("HM307", "unknown-mode", "error", "a `mode` HAProxy does not have"),
    Rule("HM308", "unknown-subcommand", "error",
         "a first word the target version's manual does not list (`compression direction` "
         "in 2.6)"),
    Rule("HM309", "too-many-arguments", "error",
         "more words than the target version accepts (`option httpchk`)"),
    Rule("HM310", "variable-scope", "error",
         "a variable name without its scope (`var(foo)`, `set-var(foo)`: `txn.foo`)"),
    Rule("HM311", "bad-time", "error",
         "a time HAProxy cannot read (a number with us, ms, s, m, h or d)"),
    Rule("HM312", "bad-size", "error", "a size HAProxy cannot read (a number with k, m or g)"),
    Rule("HM401", "undeclared-acl", "error", "a condition naming an ACL declared nowhere"),
    Rule("HM402", "rule-order", "warning",
         "a rule placed after rules HAProxy runs later (it runs first anyway)"),
    Rule("HM403", "connect-not-first", "error",
         "a `tcp-check connect`/`http-check connect` after another kind of step"),
    Rule("HM501", "missing-timeout", "warning",
         "a proxy without `timeout connect`/`client`/`server` (HAProxy warns)"),
    Rule("HM502", "no-health-check", "warning",
         "a backend none of whose servers is checked while other backends check theirs"),
    Rule("HM503", "server-maxconn", "warning",
         "a server `maxconn` above its proxy's `fullconn` or the global `maxconn`"),
    Rule("HM601", "duplicate-nameserver", "error", "two nameservers of the same name"),
    Rule("HM602", "unknown-event", "error", "a `hold` event HAProxy does not have"),
    Rule("HM603", "payload-size-range", "error", "`accepted_payload_size` outside 512-65535"),
)  # fmt: skip
"""Every rule, in code order. Codes are stable: a retired rule's code is not reused."""

_BY_KEY = {r.code: r for r in RULES} | {r.name: r for r in RULES}


def rule(key: str) -> Rule:
    """The rule with code or name ``key``; :class:`~haproxy_model.InvalidValue` otherwise."""
    found = _BY_KEY.get(key.strip())
    if found is None:
        raise InvalidValue(
            f"no check {key!r} (codes HM001-HM603 or names such as 'unknown-keyword'; "
            "`haproxy-model check --list-checks` lists them)"
        )
    return found


def code_of(name: str) -> str:
    """The stable code of diagnostic name ``name`` (``""`` for a name no rule has)."""
    found = _BY_KEY.get(name)
    return found.code if found is not None else ""


CheckFunction = TypeVar("CheckFunction", bound=Callable[[Any], None])


@attrs.frozen
class Check:
    """A registered check: the function run on the validation context and the codes of
    the diagnostics it may report."""

    function: Callable[[Any], None]
    codes: frozenset[str]

    @property
    def name(self) -> str:
        return f"{self.function.__module__.rsplit('.', 1)[-1]}.{self.function.__name__}"


CHECKS: list[Check] = []
"""Every registered check; :func:`active_checks` gives them in code order."""


def registered(*codes: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as a check reporting diagnostics of ``codes``
    (each a rule of :data:`RULES`): adding a check is one decorated function."""
    unknown = [c for c in codes if c not in _BY_KEY or _BY_KEY[c].code != c]
    if unknown or not codes:
        raise InvalidValue(f"a check must name the codes of RULES it reports, not {unknown}")

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(function, frozenset(codes)))
        return function

    return register


def active_checks(
    select: Sequence[str] | None = None, ignore: Sequence[str] | None = None
) -> list[Check]:
    """The checks that can report a code ``select`` keeps and ``ignore`` does not drop,
    ordered by their first code (so the order never depends on import order)."""
    selected = None if select is None else {rule(k).code for k in _keys(select, "select")}
    ignored = {rule(k).code for k in _keys(ignore or (), "ignore")}
    wanted = [
        c
        for c in CHECKS
        if any((selected is None or code in selected) and code not in ignored for code in c.codes)
    ]
    return sorted(wanted, key=lambda c: (min(c.codes), c.name))


def _keys(keys: object, argument: str) -> list[str]:
    """``select``/``ignore`` as a list of codes or names: one str is one code."""
    if isinstance(keys, str):
        return [keys]
    if not isinstance(keys, (list, tuple, set, frozenset)):
        raise InvalidType(
            f"{argument} takes codes or names of checks (a list of str), not {type(keys).__name__}"
        )
    for key in keys:
        if not isinstance(key, str):
            raise InvalidType(
                f"{argument}: a check is named by its code or name (a str such as 'HM205'), "
                f"not {type(key).__name__} {key!r}"
            )
    return list(keys)


_IGNORE = re.compile(r"haproxy-model:\s*ignore(?:\[([^\]]*)\])?")


def inline_ignores(comment: str | None) -> frozenset[str] | None:
    """The codes a line's trailing comment silences: None when it silences none,
    ``{"*"}`` for a bare ``haproxy-model: ignore``, else the codes (names read as codes;
    a key no check has silences nothing)."""
    if not comment:
        return None
    match = _IGNORE.search(comment)
    if match is None:
        return None
    if match.group(1) is None:
        return frozenset({"*"})
    keys = [key.strip() for key in match.group(1).split(",")]
    return frozenset(_BY_KEY[key].code for key in keys if key in _BY_KEY)


def filter_diagnostics(
    found: Iterable[Diagnostic],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    silenced: dict[int, frozenset[str]] | None = None,
) -> list[Diagnostic]:
    """``found`` less what ``select``/``ignore`` (codes or names) and the inline
    ignores (``{line: codes}``) leave out."""
    selected = None if select is None else {rule(k).code for k in _keys(select, "select")}
    ignored = {rule(k).code for k in _keys(ignore or (), "ignore")}
    out = []
    for d in found:
        code = d.rule or code_of(d.code)
        if selected is not None and code not in selected:
            continue
        if code in ignored:
            continue
        here = (silenced or {}).get(d.line)
        if here is not None and ("*" in here or code in here):
            continue
        out.append(d)
    return out


def catalogue() -> str:
    """The Markdown catalogue of every rule."""
    lines = [
        "# haproxy-model checks",
        "",
        "Generated by `haproxy-model check --list-checks`; codes are stable.",
        "Silence one on a line with `# haproxy-model: ignore[CODE]`, or everywhere with",
        "`haproxy-model check --ignore CODE` (`--select CODE` keeps only those).",
        "",
        "| code | name | severity | versions | what it finds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in RULES:
        lines.append(f"| {r.code} | `{r.name}` | {r.severity} | {r.versions} | {r.summary} |")
    return "\n".join(lines) + "\n"
