"""The first words HAProxy's section parsers accept, per version, read from its sources.

``first_words.json`` (next to this module) is produced by
``tools/gen_source_keywords.py`` from the ``vX.Y.0`` tags of HAProxy's repository
(and its development ``HEAD``); do not edit it by hand. Unlike the manual-derived
:mod:`~haproxy_model.keywords.table`, it is exact about what a version refuses: a
word missing here for a section and version ends in HAProxy's "unknown keyword
'X' in 'Y' section", whatever the manual says.

A word can depend on the build: it is registered in a file only compiled with a
build option (``USE_OPENSSL``, ``USE_QUIC``, ``USE_LUA``, the addons' ``USE_OT``,
``USE_51DEGREES``...) or inside a preprocessor test (``#ifdef TCP_KEEPCNT``).
:attr:`Accepted.conditions` lists them; :meth:`FirstWords.accepts` takes the
options of a build (``{"USE_OPENSSL", "USE_LUA"}``) to decide those, and without
one counts them as accepted.

    >>> from haproxy_model.keywords.first_words import load_first_words
    >>> fw = load_first_words()
    >>> fw.accepts("global", "daemon", "2.6")
    True
    >>> fw.accepts("frontend", "force-be-switch", "2.6")
    False
    >>> fw.versions_accepting("frontend", "force-be-switch")[0]
    '3.4'
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs

from haproxy_model.keywords.build import Build
from haproxy_model.keywords.data import Lazy, data_text, expand_runs
from haproxy_model.keywords.versions import branch, version_key

__all__ = ["Accepted", "FirstWords", "load_first_words"]

_OPTION = re.compile(r"!?USE_[A-Z0-9_]+")


@attrs.frozen
class Accepted:
    """A first word a version accepts in a section, and what the build must have for it:
    build options (``"USE_QUIC"``, ``"!USE_OPENSSL"``) and preprocessor conditions
    (``"TCP_KEEPCNT"``); none when every build accepts it."""

    conditions: tuple[str, ...] = ()

    @property
    def unconditional(self) -> bool:
        """Whether every build of the version accepts it."""
        return not self.conditions

    @property
    def build_options(self) -> tuple[str, ...]:
        """The ``USE_*`` build options among the conditions (``!`` for "without")."""
        return tuple(c for c in self.conditions if _OPTION.fullmatch(c))

    def met_by(self, build: Collection[str] | Build | None) -> bool:
        """Whether a build with the ``USE_*`` options ``build`` (or a :class:`Build`
        profile) accepts it.

        Without a build (``None``) every condition counts as met. Conditions other
        than build options (platform, library version) always count as met.
        """
        if build is None:
            return True
        if isinstance(build, Build):
            return build.meets(self.build_options)
        for cond in self.build_options:
            wanted = cond.lstrip("!")
            if (wanted in build) == cond.startswith("!"):
                return False
        return True


@attrs.frozen(slots=False, eq=False)
class FirstWords:
    """The data of ``first_words.json``: per section, per word, the versions accepting it."""

    versions: tuple[str, ...]
    inputs: Mapping[str, Mapping[str, str]]
    #: section -> word -> version -> conditions
    _words: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]
    #: section -> version -> parser function
    _parsers: Mapping[str, Mapping[str, str]]
    #: section -> version -> message for an unknown word
    _messages: Mapping[str, Mapping[str, str]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FirstWords:
        """Build from the parsed content of ``first_words.json``."""
        meta = data["_meta"]
        versions = tuple(meta["versions"])

        def expand(runs: Sequence[Sequence[Any]]) -> dict[str, Any]:
            return expand_runs(versions, runs)

        return cls(
            versions=versions,
            inputs=meta["inputs"],
            words={  # each word's runs expanded when first looked up
                section: Lazy(words, lambda _word, runs: expand(runs))
                for section, words in data["sections"].items()
            },
            parsers={s: expand(runs) for s, runs in meta["parsers"].items()},
            messages={s: expand(runs) for s, runs in meta["messages"].items()},
        )

    def sections(self, version: str) -> frozenset[str]:
        """The sections ``version`` registers (``"global"``, ``"cache"``, ...)."""
        return frozenset(s for s, per in self._parsers.items() if version in per)

    def versions_registering(self, section: str) -> tuple[str, ...]:
        """The versions registering section ``section``, oldest first."""
        return tuple(v for v in self.versions if v in self._parsers.get(section, {}))

    def exact(self, section: str, version: str) -> bool:
        """Whether ``version``'s parser of ``section`` refuses the words it does not know
        (false for an unknown section or version, and for parsers taking any word, such
        as ``namespace_list``'s, or reading keyword tables, as the OpenTracing ones)."""
        return version in self._messages.get(section, {})

    def lookup(self, section: str, word: str, version: str) -> Accepted | None:
        """How ``version`` accepts ``word`` first on a line of ``section``; None: it refuses it."""
        conds = self._words.get(section, {}).get(word, {}).get(version)
        return None if conds is None else Accepted(conds)

    def accepts(
        self, section: str, word: str, version: str, build: Collection[str] | Build | None = None
    ) -> bool:
        """Whether ``version`` (built with ``build``'s options, or any build) accepts ``word``
        first on a line of ``section``. Always true where :meth:`exact` is false."""
        if not self.exact(section, version):
            return True
        found = self.lookup(section, word, version)
        return found is not None and found.met_by(build)

    def versions_accepting(self, section: str, word: str) -> tuple[str, ...]:
        """The versions accepting ``word`` in ``section`` (in some build), oldest first."""
        per = self._words.get(section, {}).get(word, {})
        return tuple(v for v in self.versions if v in per)

    def words(self, section: str, version: str) -> frozenset[str]:
        """Every word ``version`` accepts first in ``section`` (in some build)."""
        return frozenset(w for w, per in self._words.get(section, {}).items() if version in per)

    def message(self, section: str, word: str, version: str) -> str:
        """HAProxy's own message for ``word`` in a ``section`` section it does not know."""
        template = self._messages.get(section, {}).get(
            version, "unknown keyword '{word}' in '{section}' section"
        )
        return template.replace("{word}", word).replace("{section}", section)

    def parser(self, section: str, version: str) -> str | None:
        """The C function parsing ``section`` in ``version``."""
        return self._parsers.get(section, {}).get(version)

    def version_key(self, version: str) -> tuple[int, ...]:
        """``"3.5-dev"`` -> ``(3, 5)``."""
        return version_key(branch(version))


@functools.cache
def load_first_words() -> FirstWords:
    """Load (once) the data shipped with the package."""
    text = data_text("first_words.json")
    return FirstWords.from_json(json.loads(text))
