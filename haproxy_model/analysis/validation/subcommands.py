"""Keywords whose first argument is one of a fixed set of words (``compression algo``,
``compression direction``...): a word the target version's manual does not list.

* ``unknown-subcommand`` (HM308): every synopsis of the keyword for the target version
  reads ``<keyword> <word> ...`` with a literal word, and the line's first argument is
  none of them. When another version has it, the message says which ("'compression
  direction' needs HAProxy 2.8 or later"); HAProxy 2.6 says "'compression' expects
  'algo', 'type' or 'offload'".
* ``too-many-arguments`` (HM309): ``option httpchk`` with more words than the target
  version's longest synopsis (HAProxy: "'option httpchk' cannot handle unexpected
  argument").
"""

from __future__ import annotations

import re

from haproxy_model.analysis.validation._context import (
    Block,
    Context,
    Item,
    is_dynamic,
    resolve,
)
from haproxy_model.analysis.validation.registry import registered
from haproxy_model.keywords.table import Keyword, Variant
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS

_LITERAL = re.compile(r"[a-z][a-z0-9-]*")
FIRST_WORD = {"compression", "http-error", "option pgsql-check"}
"""Keywords HAProxy reads a fixed first word from (checked with haproxy -c; ``redirect`` and
``stick-table`` take their words in any order, so they are not here)."""
MAX_WORDS = {"option httpchk"}
"""Keywords whose argument count the manual's synopses bound (checked with haproxy -c)."""


def _literals(kw: Keyword, variant: Variant) -> frozenset[str] | None:
    """The first-argument words of ``variant``, or None unless every synopsis has one."""
    n = len(kw.words)
    found = set()
    for synopsis in variant.synopsis:
        words = synopsis.split()
        if words[:n] != list(kw.words) or len(words) <= n or not _LITERAL.fullmatch(words[n]):
            return None
        found.add(words[n])
    return frozenset(found) if found else None


def _directed(words: frozenset[str]) -> frozenset[str]:
    """Add the "-req"/"-res" forms of every word when the synopses have them for one.

    The 2.8+ manuals give "compression algo-req" and "algo-res" synopses of their own
    but only mention "type-req" and "type-res" in the text of "compression type",
    which the sources accept alike (src/flt_http_comp.c)."""
    if not any(w.endswith(("-req", "-res")) and w[:-4] in words for w in words):
        return words
    return words | {f"{w}{end}" for w in words for end in ("-req", "-res")}


@registered("HM308", "HM309")
def check(ctx: Context) -> None:
    """Report first arguments no synopsis allows, and too many words for ``MAX_WORDS``."""
    for block in ctx.blocks:
        if block.keyword not in PROXY_SECTIONS:
            continue
        for item in block.items:
            _check_item(ctx, block, item)


def _check_item(ctx: Context, block: Block, item: Item) -> None:
    values = item.values
    if not values or any(is_dynamic(v) for v in values):
        return
    kw = resolve(ctx.table, values, block.keyword)
    if kw is None or kw.prefix or kw.kind != "proxy":
        return
    variant = kw.variant(ctx.version)
    if variant is None:
        return
    n = len(kw.words)
    if kw.name in MAX_WORDS and variant.synopsis:
        most = max(len(s.split()) for s in variant.synopsis)
        if len(values) > most:
            ctx.report("too-many-arguments", "error",
                       f"'{kw.name}' cannot handle unexpected argument '{values[most]}' "
                       f"(HAProxy {ctx.version} takes at most {most - n})",
                       block.section, item.line, most)  # fmt: skip
        return
    allowed = _literals(kw, variant) if kw.name in FIRST_WORD else None
    if allowed is not None:
        allowed = _directed(allowed)
    if allowed is None or len(values) <= n or values[n] in allowed:
        return
    word = values[n]
    elsewhere = sorted(
        (v for v in kw.variants if (lits := _literals(kw, v)) is not None and word in lits),
        key=lambda v: v.versions[0],
    )
    if elsewhere:
        since = elsewhere[0].versions[0]
        message = f"'{kw.name} {word}' is not in HAProxy {ctx.version} (it has it from {since})"
    else:
        names = [f"'{w}'" for w in sorted(allowed)]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"
        message = f"'{kw.name}' expects {listed}, not '{word}'"
    ctx.report("unknown-subcommand", "error", message, block.section, item.line, n)
