"""Typed access to the keyword table generated from HAProxy's manuals.

``table.json`` (next to this module) is produced by ``tools/gen_keywords.py``
from ``doc/configuration.txt`` of several HAProxy versions; do not edit it by
hand.  Keywords are grouped by *kind*:

* ``"proxy"``: keywords of defaults/frontend/listen/backend sections (manual
  section 4), with the 4.1 matrix marks per section ("X", "-", "X (!)");
* ``"action"``: rule actions, named with their rule set
  (``"http-request set-header"``, ``"tcp-request content accept"``);
* ``"global"`` and one kind per other section (``"userlist"``, ``"peers"``,
  ``"resolvers"``, ``"crt-store"``, ...);
* ``"bind"``, ``"server"``, ``"load"``: options of bind/server/crt-store load
  lines, which are not directives;
* ``"section"``: the section keywords themselves.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from haproxy_model.base.errors import InvalidValue
from haproxy_model.keywords.data import Lazy, data_text
from haproxy_model.keywords.versions import version_key

#: Prefixes HAProxy accepts before a directive ("no option httplog").
PREFIXES = ("no", "default")

#: Kinds whose keywords are options on a line rather than directives.
OPTION_KINDS = frozenset({"bind", "server", "load"})


@attrs.frozen
class Variant:
    """What a set of manual versions say about a keyword.

    ``sections`` holds the proxy matrix marks as ``(section, mark)`` pairs
    (e.g. ``("defaults", "X (!)")``); it is empty when the manual has no
    matrix entry for the keyword.
    """

    versions: tuple[str, ...]
    synopsis: tuple[str, ...] = ()
    negatable: bool = False
    deprecated: bool = False
    experimental: bool = False
    sections: tuple[tuple[str, str], ...] = ()

    def allowed(self) -> frozenset[str]:
        """Sections whose matrix mark is "X" (possibly with a "(!)" note)."""
        return frozenset(s for s, mark in self.sections if mark.startswith("X"))


@attrs.frozen
class Keyword:
    """A documented keyword.

    ``name`` is the full multi-word name ("timeout connect"); ``prefix`` is
    only set on results of :meth:`KeywordTable.resolve` when the directive was
    written with a "no" or "default" prefix.
    """

    name: str
    kind: str
    variants: tuple[Variant, ...]
    prefix: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """The name split into words."""
        return tuple(self.name.split())

    @property
    def negated(self) -> bool:
        """True when resolved from a "no ..." directive."""
        return self.prefix == "no"

    @property
    def versions(self) -> tuple[str, ...]:
        """Versions (of the table's inputs) documenting this keyword, sorted."""
        return tuple(sorted({v for var in self.variants for v in var.versions}, key=version_key))

    @property
    def latest(self) -> Variant:
        """The variant of the newest version documenting the keyword."""
        return max(self.variants, key=lambda var: max(version_key(v) for v in var.versions))

    @property
    def synopsis(self) -> tuple[str, ...]:
        """Synopsis lines of the newest version documenting the keyword."""
        return self.latest.synopsis

    @property
    def negatable(self) -> bool:
        """Whether the newest manual documents a "no" form for it."""
        return self.latest.negatable

    @property
    def deprecated(self) -> bool:
        """Whether the newest manual documenting it marks it deprecated."""
        return self.latest.deprecated

    def variant(self, version: str) -> Variant | None:
        """The variant documenting ``version``, if any."""
        return next((var for var in self.variants if version in var.versions), None)

    def in_version(self, version: str | None) -> bool:
        """Whether ``version`` documents it (always true for ``None``)."""
        return version is None or self.variant(version) is not None


def _variant(data: Mapping[str, Any]) -> Variant:
    return Variant(
        versions=tuple(data["versions"]),
        synopsis=tuple(data.get("synopsis", ())),
        negatable=bool(data.get("negatable", False)),
        deprecated=bool(data.get("deprecated", False)),
        experimental=bool(data.get("experimental", False)),
        sections=tuple(sorted(data.get("sections", {}).items())),
    )


def _keyword(kind: str, name: str, variants: Sequence[Mapping[str, Any]]) -> Keyword:
    return Keyword(name, kind, tuple(map(_variant, variants)))


def _word_matches(word: str, name_word: str) -> bool:
    # "set-var(txn.foo)" is the "set-var" action with an inline argument.
    return word == name_word or word.startswith(name_word + "(")


# Not slotted so that functools.cached_property works with any attrs >= 23.1;
# compared by identity (it is a cached singleton).
@attrs.frozen(slots=False, eq=False)
class KeywordTable:
    """All keywords of the table, indexed by kind then name."""

    kinds: Mapping[str, Mapping[str, Keyword]]
    inputs: Mapping[str, Mapping[str, str]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeywordTable:
        """Build a table from the parsed content of ``table.json`` (each keyword on first use)."""
        kinds = {
            kind: Lazy(names, functools.partial(_keyword, kind))
            for kind, names in data["keywords"].items()
        }
        return cls(kinds=kinds, inputs=data["_meta"]["inputs"])

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions this table was generated from, sorted."""
        return tuple(sorted(self.inputs, key=version_key))

    def _check_version(self, version: str | None) -> None:
        if version is not None and version not in self.inputs:
            raise InvalidValue(f"unknown version {version!r}; the table has {self.versions}")

    def get(self, kind: str, name: str) -> Keyword | None:
        """The keyword ``name`` of ``kind``, if documented."""
        return self.kinds.get(kind, {}).get(name)

    def find(self, name: str) -> list[Keyword]:
        """Every keyword called ``name``, whatever its kind."""
        return [names[name] for _, names in sorted(self.kinds.items()) if name in names]

    @functools.cached_property
    def proxy_sections(self) -> tuple[str, ...]:
        """Proxy section names, as given by the keywords matrix columns."""
        found = {
            s
            for kw in self.kinds.get("proxy", {}).values()
            for var in kw.variants
            for s, _ in var.sections
        }
        order = ("defaults", "frontend", "listen", "backend")
        return tuple(sorted(found, key=lambda s: (order.index(s) if s in order else 99, s)))

    def section_keywords(self, version: str | None = None) -> frozenset[str]:
        """Section keywords ("global", "backend", "userlist", ...): the manual's, and those
        HAProxy registers in its sources without a manual entry (:data:`REGISTERED_SECTIONS`)."""
        self._check_version(version)
        documented = {
            name for name, kw in self.kinds.get("section", {}).items() if kw.in_version(version)
        }
        registered = {
            name
            for name, versions in REGISTERED_SECTIONS.items()
            if version is None or version in versions
        }
        return frozenset(documented | registered)

    def allowed_sections(
        self, keyword: str | Keyword, version: str | None = None
    ) -> frozenset[str]:
        """Sections in which a keyword may be used.

        Proxy keywords use the 4.1 matrix (any version unless ``version`` is
        given; all proxy sections when the manual has no matrix entry), actions
        inherit the sections of their rule set, and other keywords belong to
        the section of their kind.  Given a name, every kind is considered
        ("log" is valid in global, proxies, peers, log-forward...).
        """
        self._check_version(version)
        kws = [keyword] if isinstance(keyword, Keyword) else self.find(keyword)
        out: set[str] = set()
        for kw in kws:
            out |= self._allowed(kw, version)
        return frozenset(out)

    def _allowed(self, kw: Keyword, version: str | None) -> frozenset[str]:
        variants = [v for v in kw.variants if version is None or version in v.versions]
        if kw.kind == "proxy":
            out: set[str] = set()
            for var in variants:
                out |= var.allowed() if var.sections else set(self.proxy_sections)
            return frozenset(out)
        if kw.kind == "action":
            family = self._family(kw.name)
            return self._allowed(family, version) if family and variants else frozenset()
        if kw.kind in OPTION_KINDS or kw.kind == "section" or not variants:
            return frozenset()
        return frozenset({kw.kind})

    def _family(self, action: str) -> Keyword | None:
        words = action.split()
        for n in range(len(words) - 1, 0, -1):
            family = self.get("proxy", " ".join(words[:n]))
            if family is not None:
                return family
        return None

    def _kinds_for(self, section: str) -> tuple[str, ...]:
        if section in self.proxy_sections:
            return ("proxy", "action")
        if section in self.kinds and section not in OPTION_KINDS and section != "section":
            return (section,)
        if section in self.kinds.get("section", {}) or section in REGISTERED_SECTIONS:
            return ()  # a section without keywords of its own in the manual
        raise InvalidValue(f"unknown section {section!r}")

    @functools.cached_property
    def _index(self) -> dict[str, Mapping[str, tuple[str, ...]]]:
        """{kind: {first word: names, longest first}}, each kind indexed when first searched."""
        return {}

    def _candidates(self, kind: str, first: str) -> Iterator[Keyword]:
        """The keywords of ``kind`` whose name starts with the word ``first``, longest first."""
        index = self._index.get(kind)
        if index is None:
            starts: dict[str, list[str]] = {}
            for name in self.kinds.get(kind, {}):
                starts.setdefault(name.split()[0], []).append(name)
            index = self._index[kind] = {
                w: tuple(sorted(names, key=lambda n: (-len(n.split()), n)))
                for w, names in starts.items()
            }
        names = self.kinds.get(kind, {})
        return (names[name] for name in index.get(first, ()))

    def _longest(self, words: Sequence[str], section: str, version: str | None) -> Keyword | None:
        best: Keyword | None = None
        for kind in self._kinds_for(section):
            for kw in self._candidates(kind, words[0]):
                if len(kw.words) > len(words) or (best and len(kw.words) <= len(best.words)):
                    continue
                if not all(_word_matches(w, n) for w, n in zip(words, kw.words, strict=False)):
                    continue
                if not kw.in_version(version):
                    continue
                if section in self.proxy_sections and section not in self._allowed(kw, version):
                    continue
                best = kw
        return best

    def resolve(
        self, words: Sequence[str], section: str, version: str | None = None
    ) -> Keyword | None:
        """Find the longest documented keyword starting a directive's words.

        ``section`` is the enclosing section keyword ("backend", "global",
        "peers", ...).  In proxy sections both proxy keywords and rule actions
        are searched, and only keywords the matrix allows in that section are
        returned.  A leading "no"/"default" is accepted and reported through
        :attr:`Keyword.prefix` (check :attr:`Keyword.negatable` to validate
        it).  With ``version``, only keywords documented for that version
        match.  Returns ``None`` for undocumented directives; raises
        ``ValueError`` for an unknown section or version.
        """
        self._check_version(version)
        words = list(words)
        if not words:
            return None
        found = self._longest(words, section, version)
        if found is None and len(words) > 1 and words[0] in PREFIXES:
            found = self._longest(words[1:], section, version)
            if found is not None:
                found = attrs.evolve(found, prefix=words[0])
        return found

    def options(self, kind: str, version: str | None = None) -> frozenset[str]:
        """Names of the keywords of ``kind`` documented for ``version`` (or any)."""
        self._check_version(version)
        return frozenset(
            name for name, kw in self.kinds.get(kind, {}).items() if kw.in_version(version)
        )

    def actions(self, rule_set: str, version: str | None = None) -> frozenset[str]:
        """Action names of a rule set ("http-request" -> {"set-header", ...})."""
        prefix = rule_set + " "
        return frozenset(
            name[len(prefix) :]
            for name in self.options("action", version)
            if name.startswith(prefix) and " " not in name[len(prefix) :]
        )


@functools.cache
def load_table() -> KeywordTable:
    """Load (once) the keyword table shipped with the package."""
    text = data_text("table.json")
    return KeywordTable.from_json(json.loads(text))


def resolve(words: Sequence[str], section: str, version: str | None = None) -> Keyword | None:
    """Shortcut for ``load_table().resolve(...)``."""
    return load_table().resolve(words, section, version)


def allowed_sections(keyword: str | Keyword, version: str | None = None) -> frozenset[str]:
    """Shortcut for ``load_table().allowed_sections(...)``."""
    return load_table().allowed_sections(keyword, version)


def versions(keyword: str, kind: str | None = None) -> tuple[str, ...]:
    """Versions documenting ``keyword`` (of ``kind``, or of any kind), sorted."""
    table = load_table()
    kws: Iterable[Keyword] = (
        table.find(keyword) if kind is None else filter(None, [table.get(kind, keyword)])
    )
    found = {v for kw in kws for v in kw.versions}
    return tuple(sorted(found, key=version_key))


def bind_options(version: str | None = None) -> frozenset[str]:
    """Documented "bind" line options (manual section 5.1)."""
    return load_table().options("bind", version)


def server_options(version: str | None = None) -> frozenset[str]:
    """Documented "server"/"default-server" line options (manual section 5.2)."""
    return load_table().options("server", version)


_ALL = ("2.0", "2.2", "2.4", "2.6", "2.8", "3.0", "3.1", "3.2", "3.3", "3.4")

REGISTERED_SECTIONS: dict[str, tuple[str, ...]] = {
    # REGISTER_CONFIG_SECTION("namespace_list", ...) in src/namespace.c, every version
    "namespace_list": _ALL,
    # cfg_register_section() in src/flt_spoe.c: the sections of a SPOE configuration
    # file (``filter spoe config <file>``), which is an HAProxy configuration file
    "spoe-agent": _ALL,
    "spoe-group": _ALL,
    "spoe-message": _ALL,
    # REGISTER_CONFIG_SECTION("healthcheck", ...) in src/tcpcheck.c: 3.4 (whose manual
    # documents it, chapter 12.9 "Healthchecks")
    "healthcheck": ("3.4",),
}
"""Section keywords HAProxy registers in its sources but its manuals do not list as
section keywords, with the table versions that have them (checked against the
sources' ``REGISTER_CONFIG_SECTION``/``cfg_register_section`` calls)."""


PARTIAL_ACTIONS: frozenset[str] = frozenset({"2.0", "2.2", "2.4"})
"""Table versions whose manual does not document every rule action (2.0's has no
``use-service``, which its sources register; 2.0 to 2.4 list the tcp-request and
tcp-response actions as bullets only): an action only later manuals document is not
known to be missing from them; the sources' lists (:mod:`.actions`) decide where they
are complete."""


def all_section_keywords() -> frozenset[str]:
    """Every section keyword any HAProxy knows: the table's, and those of newer versions."""
    return load_table().section_keywords() | frozenset(REGISTERED_SECTIONS)


def section_keywords(version: str | None = None) -> frozenset[str]:
    """Documented section keywords ("global", "frontend", "userlist", ...)."""
    return load_table().section_keywords(version)
