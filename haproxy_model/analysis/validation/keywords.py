"""Keywords against HAProxy's sources and manuals: where they may appear, which versions
know them.

The first word of every line is checked against what the target version's parser of
the section accepts, read from HAProxy's sources (:mod:`.refusals`); the rest against
the keyword table of its manuals.

Codes:

* ``unknown-section``: a section keyword no HAProxy version registers, before any
  section (HAProxy: "unknown keyword 'X' out of section."); a near miss of a known one
  (``backned``) is named.
* ``unknown-keyword``: a first word no version's parser accepts in that section
  (``ENDPOINT``, ``http-after-request``), with HAProxy's message and a near miss when
  there is one; under strict, also a directive (or rule action) no manual documents.
* ``keyword-not-allowed``: documented, but for other sections.  HAProxy rejects a
  misplaced keyword in most sections, but in a frontend, listen or backend it only
  ignores (with a warning) keywords needing a capability the proxy lacks.
* ``keyword-version``: a first word (or section) other versions' parsers accept, or a
  keyword documented by other versions' manuals only.  A warning instead of an error
  inside a ``.if`` block that tests the version or a feature, and for a later
  version's word outside the proxy sections (stable releases take some back).
  A rule action of 2.0-2.4, whose manuals omit some, is judged by the sources'
  action lists (:mod:`.source_actions`); a warning where they do not decide.
* ``deprecated-keyword`` (info): the manual of the version marks it deprecated.
* ``build-missing``: given a build profile (``validate(build=...)``), a first word
  the version has only in builds with an option the profile lacks (QUIC addresses:
  :mod:`.builds`).
* ``unknown-option`` (strict only, or a near miss: ``maxcon``) / ``option-version``: the
  same for the options of ``server``/``default-server``/``server-template`` and ``bind``
  lines.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from haproxy_model.analysis.validation._context import (
    Block,
    Context,
    Item,
    is_dynamic,
    resolve,
)
from haproxy_model.analysis.validation.refusals import Refusal, known, refusal, section_refusal
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.analysis.validation.source_actions import source_verdict
from haproxy_model.analysis.validation.spelling import near_miss
from haproxy_model.keywords import Keyword, KeywordTable
from haproxy_model.keywords.first_words import load_first_words
from haproxy_model.keywords.removed import removed
from haproxy_model.keywords.table import PARTIAL_ACTIONS, all_section_keywords
from haproxy_model.keywords.versions import version_key
from haproxy_model.model import line_options
from haproxy_model.model.typed_sections import TypedSection
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS

# A frontend/listen/backend keyword used in a proxy lacking the capability is
# ignored with a warning ("'balance' ignored because frontend 'f' has no
# backend capability", src/cfgparse-listen.c), except server lines, which
# HAProxy rejects ("'server' not allowed because frontend 'f' has no backend
# capability", src/server.c).
_REJECTED_WITHOUT_CAPABILITY = frozenset({"server", "default-server", "server-template"})

#: line keyword -> (option kind in the table, number of positional words after it)
_OPTION_LINES = {
    "server": ("server", 2),
    "default-server": ("server", 0),
    "server-template": ("server", 3),
    "bind": ("bind", 1),
    "default-bind": ("bind", 0),
}


@registered("HM101", "HM102", "HM103", "HM104", "HM105", "HM106", "HM107", "HM108", "HM114")
def check(ctx: Context) -> None:
    """Report misplaced, unknown and version-specific keywords and options."""
    for index, block in enumerate(ctx.blocks):
        section = block.section
        if not isinstance(section, TypedSection):
            _check_untyped(ctx, block, ctx.blocks[index - 1] if index else None)
            continue
        documented = ctx.table.get("section", section.keyword)
        if documented is not None and not documented.in_version(ctx.version):
            ctx.report(
                "keyword-version",
                "warning" if block.guarded else "error",
                f"section '{section.keyword}' is {_which_versions(documented, ctx.version)}",
                section,
            )
            continue
        for item in block.items:
            _check_line(ctx, block, item)


def _check_untyped(ctx: Context, block: Block, before: Block | None) -> None:
    """A section the model has no class for: a slip, another version's, or unknown."""
    section = block.section
    known = section.keyword in ctx.table.section_keywords(ctx.version)
    slip = None if known else near_miss(section.keyword, all_section_keywords())
    if slip is not None:
        ctx.report("unknown-section", "error",
                   f"unknown section '{section.keyword}'; did you mean '{slip}'?",
                   section)  # fmt: skip
        return
    # HAProxy reads a section keyword it does not register as a line of the section above
    above = None if before is None else before.keyword
    refused = section_refusal(section.keyword, above, ctx.version, block.guarded)
    if refused is not None:
        ctx.report(refused.code, refused.severity, refused.message, section)
    elif ctx.strict and not known:
        ctx.report("unknown-section", "error", f"unknown section '{section.keyword}'", section)


def _check_line(ctx: Context, block: Block, item: Item) -> None:
    section = block.section
    where = block.keyword
    values = item.values
    if is_dynamic(values[0]):
        return
    gone = removed(values, where)
    if gone is not None:
        if version_key(ctx.version) >= version_key(gone.refused_since):
            ctx.report("removed-keyword", "error", gone.message, section, item.line, 0)
        else:
            # still parsed (often with a warning), though later manuals drop it
            message = (
                f"HAProxy {ctx.version} still takes it, {gone.refused_since} refuses it: "
                + gone.message
            )
            ctx.report("removed-keyword", "warning", message, section, item.line, 0)
        return
    refused = refusal(where, values, ctx.version, item.guarded, ctx.build)
    if refused is not None and not refused.backportable:
        _refused(ctx, block, item, refused)
        return
    reported = len(ctx.found)
    _check_documented(ctx, block, item)
    if refused is not None and len(ctx.found) == reported:
        _refused(ctx, block, item, refused)  # a warning, unless the manual says more


def _check_documented(ctx: Context, block: Block, item: Item) -> None:
    """The line against the manual's keywords: misplaced, for other versions, deprecated."""
    section = block.section
    where = block.keyword
    values = item.values
    kw = resolve(ctx.table, values, where)
    if kw is None:
        _not_here(ctx, block, item)
        return
    if not kw.in_version(ctx.version):
        kw = _older_form(ctx, where, values, kw)
    start = 1 if kw.prefix else 0
    if not kw.in_version(ctx.version) and not _omitted(ctx, where, values, kw):
        partial = (
            kw.kind == "action"
            and ctx.version in PARTIAL_ACTIONS
            and version_key(kw.versions[0]) > version_key(ctx.version)
        )
        if partial:  # the manual is silent: the sources' action list, where complete
            verdict = source_verdict(kw, values, start, ctx.version)
            if verdict:
                return
            partial = verdict is None
        ctx.report(
            "keyword-version",
            "warning" if item.guarded or partial else "error",
            f"'{kw.name}' is {_which_versions(kw, ctx.version)}"
            + (f" (the {ctx.version} manual does not list every action)" if partial else ""),
            section,
            item.line,
            start,
        )
        return
    if where in PROXY_SECTIONS:
        allowed = ctx.table.allowed_sections(kw, ctx.version)
        if where not in allowed:
            _misplaced(ctx, block, item, kw, sorted(allowed), start)
            return
        if where == "defaults" and section.name is None and _named_defaults_only(kw, ctx):
            ctx.report(
                "keyword-not-allowed",
                "error",
                f"'{kw.name}' is only allowed in named defaults sections",
                section,
                item.line,
                start,
            )
            return
    variant = kw.variant(ctx.version)
    if variant is not None and variant.deprecated:
        ctx.report(
            "deprecated-keyword",
            "info",
            f"'{kw.name}' is deprecated in HAProxy {ctx.version}",
            section,
            item.line,
            start,
        )
    if ctx.strict:
        _check_action(ctx, block, item, kw, start)
    if kw.name in _OPTION_LINES and not kw.prefix:
        _check_options(ctx, block, item, kw.name)


def _older_form(ctx: Context, where: str, values: Sequence[str], kw: Keyword) -> Keyword:
    """A shorter keyword of the version the words start with, when a later manual splits
    one off (2.0-3.2's "master-worker [no-exit-on-failure]" is 3.3's "master-worker" and
    "master-worker no-exit-on-failure"); not for rule actions, whose family is no answer."""
    if kw.kind == "action":
        return kw
    shorter = resolve(ctx.table, values, where, ctx.version)
    if shorter is not None and shorter.kind == kw.kind and len(shorter.words) < len(kw.words):
        return shorter
    return kw


def _omitted(ctx: Context, where: str, values: Sequence[str], kw: Keyword) -> bool:
    """A one-word keyword only later manuals document, that the version's sources accept
    (2.0-2.4 take "enabled" in peers sections; their manuals say "enable")."""
    return (
        len(kw.words) == 1
        and version_key(kw.versions[0]) > version_key(ctx.version)
        and known(where, values, ctx.version)
    )


def _named_defaults_only(kw: Keyword, ctx: Context) -> bool:
    """The matrix mark "X (!)": only in named defaults sections (manual 4.1)."""
    target: Keyword | None = kw
    if kw.kind == "action":
        words = kw.words
        target = next(
            (
                found
                for n in range(len(words) - 1, 0, -1)
                if (found := ctx.table.get("proxy", " ".join(words[:n]))) is not None
            ),
            None,
        )
    if target is None:
        return False
    variant = target.variant(ctx.version)
    return variant is not None and dict(variant.sections).get("defaults", "") == "X (!)"


def _check_action(ctx: Context, block: Block, item: Item, kw: Keyword, start: int) -> None:
    """Under strict: a rule family followed by an action no manual documents."""
    if kw.kind != "proxy":
        return
    actions = _actions(ctx.table, kw.name)
    values = item.values
    index = start + len(kw.words)
    if not actions or index >= len(values) or values[index] in ("if", "unless"):
        return
    action = values[index].split("(", 1)[0]
    if not _known_action(action, actions) and not is_dynamic(action):
        ctx.report(
            "unknown-keyword",
            "error",
            f"unknown '{kw.name}' action '{values[index]}'",
            block.section,
            item.line,
            index,
        )


def _known_action(action: str, actions: frozenset[str]) -> bool:
    if action in actions:
        return True
    # Lua scripts register "lua.<name>" actions at run time (manual 4.2, "lua.<name>"
    # under the rule sets); "track-sc<N>" goes past 2 with "tune.stick-counters".
    if action.startswith("lua."):
        return True
    base = action.rstrip("0123456789")
    return base != action and base + "0" in actions


@functools.cache
def _actions(table: KeywordTable, family: str) -> frozenset[str]:
    return table.actions(family)


def _refused(ctx: Context, block: Block, item: Item, refused: Refusal) -> None:
    """A first word the version's sources refuse in this section (:mod:`.refusals`)."""
    if not refused.others and _not_here(ctx, block, item, refused):
        return  # documented in other sections: reported as misplaced
    guess = _guess(ctx, block.keyword, refused.word, refused.others)
    ctx.report(
        refused.code,
        refused.severity,
        refused.message + _hint(guess),
        block.section,
        item.line,
        refused.index,
    )


def _guess(ctx: Context, here: str, word: str, others: Sequence[str]) -> str | None:
    """The known word ``word`` is a slip of: a word of the section's sources or manual,
    or a section keyword (none for a word another version has)."""
    if others:
        return None
    words = [*load_first_words().words(here, ctx.version), *_first_words(ctx.table, here)]
    return near_miss(word, [*words, *all_section_keywords()])


def _hint(guess: str | None) -> str:
    if guess is None:
        return ""
    what = "the section " if guess in all_section_keywords() else ""
    return f"; did you mean {what}'{guess}'?"


def _not_here(ctx: Context, block: Block, item: Item, refused: Refusal | None = None) -> bool:
    """A directive the section's keywords do not cover: misplaced or unknown. Given what
    the sources refuse, only a misplaced keyword is reported (True when it is)."""
    values = item.values
    here = block.keyword
    elsewhere = _elsewhere(ctx.table, tuple(values[:5]), here)
    if elsewhere and len(elsewhere[0].words) < 2 and _owns(ctx.table, here, values[0]):
        # "timeout contimeout" in a frontend is an unknown timeout, not the
        # resolvers section's "timeout"
        elsewhere = None
    if elsewhere:
        kw, sections = elsewhere
        start = 1 if kw.prefix else 0
        _misplaced(ctx, block, item, kw, sections, start)
        return True
    if refused is not None:
        return False
    first_words = _first_words(ctx.table, here)
    guess = (
        None
        # a word of the manual, or one the version's sources know, is no slip
        if values[0] in first_words or known(here, values, ctx.version)
        else near_miss(values[0], [*first_words, *all_section_keywords()])
    )
    if guess is None and not ctx.strict:
        return False  # unknown but no slip: HAProxy builds may add keywords of their own
    ctx.report(
        "unknown-keyword",
        "error",
        f"unknown keyword '{_shown(ctx.table, here, values)}' in {here} section{_hint(guess)}",
        block.section,
        item.line,
    )
    return True


def _owns(table: KeywordTable, here: str, first: str) -> bool:
    """Whether the section has multi-word keywords starting with ``first``."""
    return any(len(w) > 1 for w in _first_words(table, here).get(first, ()))


@functools.cache
def _first_words(table: KeywordTable, here: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    kinds = ("proxy", "action") if here in PROXY_SECTIONS else (here,)
    out: dict[str, list[tuple[str, ...]]] = {}
    for kind in kinds:
        for kw in table.kinds.get(kind, {}).values():
            out.setdefault(kw.words[0], []).append(kw.words)
    return {k: tuple(v) for k, v in out.items()}


def _shown(table: KeywordTable, here: str, values: Sequence[str]) -> str:
    """The words naming an unknown directive: "option foo" rather than "option"."""
    words = [v for v in values[:3] if v not in ("no", "default")] or list(values[:1])
    return " ".join(words[:2]) if _owns(table, here, words[0]) else words[0]


@functools.cache
def _other_sections(table: KeywordTable) -> tuple[str, ...]:
    return tuple(sorted(table.section_keywords()))


@functools.lru_cache(maxsize=4096)
def _elsewhere(
    table: KeywordTable, words: tuple[str, ...], here: str
) -> tuple[Keyword, list[str]] | None:
    """The keyword these words start in other sections, and those sections."""
    found: list[tuple[Keyword, str]] = []
    for other in _other_sections(table):
        if other == here:
            continue
        try:
            kw = resolve(table, words, other)
        except ValueError:
            continue
        if kw is not None:
            found.append((kw, other))
    if here in PROXY_SECTIONS and any(s in PROXY_SECTIONS for _, s in found):
        # a proxy keyword in a proxy lacking the capability it needs
        found = [(kw, s) for kw, s in found if s in PROXY_SECTIONS]
    if not found:
        return None
    longest = max(len(kw.words) for kw, _ in found)
    best = [(kw, s) for kw, s in found if len(kw.words) == longest]
    return best[0][0], [s for _, s in best]


def _misplaced(
    ctx: Context, block: Block, item: Item, kw: Keyword, sections: Sequence[str], start: int
) -> None:
    section = block.section
    where = block.keyword
    proxy_only = all(s in PROXY_SECTIONS for s in sections)
    ignored = (
        where in PROXY_SECTIONS
        and where != "defaults"
        and proxy_only
        and kw.name not in _REJECTED_WITHOUT_CAPABILITY
    )
    places = ", ".join(_order(sections)) or "no section"
    if ignored:
        message = f"'{kw.name}' is ignored in a {where} section (allowed in: {places})"
    else:
        message = f"'{kw.name}' is not allowed in a {where} section (allowed in: {places})"
    ctx.report(
        "keyword-not-allowed",
        "warning" if ignored else "error",
        message,
        section,
        item.line,
        start,
    )


def _order(sections: Sequence[str]) -> list[str]:
    def key(s: str) -> tuple[int, str]:
        return (PROXY_SECTIONS.index(s) if s in PROXY_SECTIONS else 9, s)

    return sorted(set(sections), key=key)


def _check_options(ctx: Context, block: Block, item: Item, line_kind: str) -> None:
    kind, positional = _OPTION_LINES[line_kind]
    values = item.values
    for span in line_options.scan(kind, values, 1 + positional):
        name = span.name
        if is_dynamic(name):
            continue
        kw = ctx.table.get(kind, name) or ctx.table.get(kind, name.split("(", 1)[0])
        if kw is None and name.startswith("no-"):
            kw = ctx.table.get(kind, name[3:])
        if kw is None:
            guess = near_miss(name, (k for k in ctx.table.kinds.get(kind, {})))
            if ctx.strict or guess is not None:
                ctx.report(
                    "unknown-option",
                    "error",
                    f"unknown {kind} option '{name}'"
                    + ("" if guess is None else f"; did you mean '{guess}'?"),
                    block.section,
                    item.line,
                    span.index,
                )
        elif not kw.in_version(ctx.version) and not _misfiled(ctx, kw.name):
            ctx.report(
                "option-version",
                "warning" if item.guarded else "error",
                f"{kind} option '{name}' is {_which_versions(kw, ctx.version)}",
                block.section,
                item.line,
                span.index,
            )


def _misfiled(ctx: Context, name: str) -> bool:
    """An option the version's manual documents in another chapter: 3.0's lists the
    server option "hash-key" among the proxy keywords (its sources register it)."""
    other = ctx.table.get("proxy", name)
    return other is not None and other.in_version(ctx.version)


def _which_versions(kw: Keyword, version: str) -> str:
    """``"introduced in 3.0"``, ``"not documented after 2.8"``, ``"documented in ..."``."""
    documented = kw.versions
    mine = version_key(version)
    if all(version_key(v) > mine for v in documented):
        return f"introduced in {documented[0]} (validating for {version})"
    if all(version_key(v) < mine for v in documented):
        return f"not documented after {documented[-1]} (validating for {version})"
    return f"documented in {', '.join(documented)}, not in {version}"
