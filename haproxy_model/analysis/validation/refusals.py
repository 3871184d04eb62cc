"""First words HAProxy's section parsers refuse, from the table read in its sources.

:mod:`haproxy_model.keywords.first_words` lists, per version and section, every
word a parser accepts first on a line; a word it lacks ends in HAProxy's own
"unknown keyword 'X' in 'Y' section". This module decides what the validator says
of such a word (:mod:`.keywords` reports it):

* another version accepts it there: it was added later (``"appeared in 3.4"``)
  or removed (``"removed in 2.3"``), a ``keyword-version`` error;
* no version accepts it there: an ``unknown-keyword`` error (or a misplaced one,
  when another section documents it).

Exceptions, so that no configuration HAProxy accepts is refused:

* a word the version accepts only in some builds (``USE_QUIC``, ``USE_LUA``, an
  addon...) is accepted when no build is given; with a build profile lacking the
  option, a ``build-missing`` error (HAProxy's own "unknown keyword");
* inside a ``.if`` block testing the version or a feature, a warning;
* a word of a later version outside the proxy sections is a warning: stable
  releases take such words back (2.6.12 has ``tune.peers.max-updates-at-once`` and
  the ring's ``backing-file`` of 2.7, 2.8.25 ``setcap`` of 2.9 and
  ``tune.ssl.certificate-compression`` of 3.4), which no ``vX.Y.0`` tag shows;
* a section whose parser takes any word (``namespace_list``) or reads tables of
  its own (the OpenTracing filter's) is not judged.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import attrs

from haproxy_model.analysis.validation._context import is_dynamic
from haproxy_model.base.diagnostics import Severity
from haproxy_model.keywords.build import Build
from haproxy_model.keywords.first_words import FirstWords, load_first_words
from haproxy_model.keywords.table import load_table
from haproxy_model.syntax.defaults_links import PROXY_SECTIONS

__all__ = ["Refusal", "known", "refusal", "section_refusal"]

#: What HAProxy says of a section keyword before any section.
OUT_OF_SECTION = "unknown keyword '{word}' out of section."


def _code(refusal: Refusal) -> str:
    return "keyword-version" if refusal.others else "unknown-keyword"


@attrs.frozen
class Refusal:
    """A first word the version refuses: the word's index on the line, HAProxy's
    message, and the versions accepting the word there (none: no version)."""

    word: str
    index: int
    message: str
    others: tuple[str, ...]
    severity: Severity
    #: a later version's word outside the proxy sections: a later release of the
    #: version validated may have it, so the manual's verdict goes first
    backportable: bool = False
    #: ``keyword-version`` when another version has the word, else ``unknown-keyword``
    #: (``unknown-section`` for a section keyword before any section)
    code: str = attrs.field(default=attrs.Factory(_code, takes_self=True))


def first_word(values: Sequence[str]) -> tuple[str, int] | None:
    """The word a parser reads first on a line, and its index: "no"/"default" are
    prefixes HAProxy takes off. None for a lone prefix or a run-time value."""
    index = 1 if values[0] in ("no", "default") else 0
    if index >= len(values) or is_dynamic(values[index]):
        return None
    return values[index], index


def known(section: str, values: Sequence[str], version: str) -> bool:
    """Whether ``version``'s sources, judging ``section``, accept the line's first word
    (in some build)."""
    fw = load_first_words()
    found = first_word(values)
    return (
        found is not None
        and fw.exact(section, version)
        and fw.lookup(section, found[0], version) is not None
    )


def refusal(
    section: str, values: Sequence[str], version: str, guarded: bool, build: Build | None = None
) -> Refusal | None:
    """How ``version`` (built as ``build`` says, or any build) refuses the first word of a
    line of ``section``; None: it does not (or the table does not know the section or
    the version)."""
    fw = load_first_words()
    found = first_word(values)
    if found is None or version not in fw.versions:
        return None
    word, index = found
    accepted = fw.lookup(section, word, version) if fw.exact(section, version) else None
    if build is not None and accepted is not None and not accepted.met_by(build):
        lacks = build.missing(accepted.build_options) or list(accepted.build_options)
        note = f" ({build.describe()} is built without {' and '.join(lacks)})"
        return Refusal(
            word,
            index,
            _with(fw.message(section, word, version), note),
            fw.versions_accepting(section, word),
            "warning" if guarded else "error",
            code="build-missing",
        )
    if fw.accepts(section, word, version) or word in _documented(section, version):
        return None
    others = fw.versions_accepting(section, word)
    later = any(fw.version_key(v) > fw.version_key(version) for v in others)
    backportable = later and section not in PROXY_SECTIONS
    return Refusal(
        word,
        index,
        _with(fw.message(section, word, version), _when(fw, others, version, "", backportable)),
        others,
        "warning" if guarded or backportable else "error",
        backportable,
    )


@functools.cache
def _documented(section: str, version: str) -> frozenset[str]:
    """First words of the keywords the manual of ``version`` documents for ``section``.

    The sources read are the ``vX.Y.0`` tags; a manual may come from a later release of
    the branch (Debian's 2.6.12 for 2.6) and document words that release took back
    from later versions (the ring's ``backing-file``): those are accepted."""
    table = load_table()
    if version not in table.versions:
        return frozenset()
    kinds = ("proxy", "action") if section in PROXY_SECTIONS else (section,)
    return frozenset(
        kw.words[0]
        for kind in kinds
        for kw in table.kinds.get(kind, {}).values()
        if kw.in_version(version)
    )


def section_refusal(
    keyword: str, previous: str | None, version: str, guarded: bool
) -> Refusal | None:
    """How ``version`` refuses a section keyword it does not register: as a line of the
    ``previous`` section (None: before any section). None when ``version`` registers
    it, or the previous section takes any word."""
    fw = load_first_words()
    others = fw.versions_registering(keyword)
    if version not in fw.versions or version in others:
        return None
    if previous is None:
        message = OUT_OF_SECTION.replace("{word}", keyword)
        code = "unknown-section"
    elif fw.exact(previous, version):
        if fw.accepts(previous, keyword, version) or keyword in _documented(previous, version):
            return None
        message = fw.message(previous, keyword, version)
        code = "unknown-keyword"
    else:
        return None
    return Refusal(
        keyword,
        0,
        _with(message, _when(fw, others, version, " as a section")),
        others,
        "warning" if guarded else "error",
        code="keyword-version" if others else code,
    )


def _with(message: str, note: str) -> str:
    """HAProxy's message, then our note (its final period, if any, after the note)."""
    if not note or not message.endswith("."):
        return message + note
    return message[:-1] + note + "."


def _when(
    fw: FirstWords, others: Sequence[str], version: str, what: str = "", backportable: bool = False
) -> str:
    """``" (appeared in 3.4; validating for 2.6)"``, ``" (removed in 2.3; ...)"``."""
    mine = fw.version_key(version)
    later = [v for v in others if fw.version_key(v) > mine]
    earlier = [v for v in others if fw.version_key(v) < mine]
    if later:
        note = f" (appeared in {later[0]}{what}; validating for {version}"
        if backportable:
            note += f", whose releases after {version}.0 may have taken it back"
        return note + ")"
    if earlier:
        after = fw.versions[fw.versions.index(earlier[-1]) + 1]
        return f" (removed in {after}; validating for {version})"
    return ""
