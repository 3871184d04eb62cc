"""The actions HAProxy's rule sets accept, per version, read from its sources.

``actions.json`` (next to this module) is produced by ``tools/gen_source_actions.py``
from the same commits as ``first_words.json``; do not edit it by hand. For each rule
set (``http-request``, ``tcp-request content``, ``quic-initial``...) it lists the
actions registered with the rule set's ``struct action_kw_list`` arrays and those its
parser compares by hand (``accept``, ``track-sc``...). A word ending in ``*`` takes
every action it starts (``set-var*``: ``set-var(txn.x)``; ``lua.*``: the actions Lua
scripts register). Where the parser was read (:meth:`SourceActions.exact`), an action
missing here ends in HAProxy's "'http-request' expects ..., but got 'X'".

    >>> from haproxy_model.keywords.actions import load_actions
    >>> actions = load_actions()
    >>> actions.accepts("http-request", "set-timeout", "2.0")
    False
    >>> actions.accepts("http-request", "set-timeout", "2.4")
    True
    >>> actions.accepts("http-request", "set-var(txn.x)", "2.0")
    True
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping
from typing import Any

import attrs

from haproxy_model.keywords.build import Build
from haproxy_model.keywords.data import data_text, expand_runs
from haproxy_model.keywords.first_words import Accepted

__all__ = ["PREFIX", "SourceActions", "load_actions"]

#: the suffix of a word standing for every action it starts
PREFIX = "*"


@attrs.frozen(slots=False, eq=False)
class SourceActions:
    """The data of ``actions.json``: per rule set, per action, the versions accepting it."""

    versions: tuple[str, ...]
    inputs: Mapping[str, Mapping[str, str]]
    #: rule set -> versions whose parser was read
    _exact: Mapping[str, frozenset[str]]
    #: rule set -> word (``*``-suffixed: a prefix) -> version -> conditions
    _actions: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceActions:
        """Build from the parsed content of ``actions.json``."""
        versions = tuple(data["_meta"]["versions"])
        exact = data["_meta"]["exact"]
        actions = data["actions"]
        return cls(
            versions=versions,
            inputs=data["_meta"]["inputs"],
            exact={s: frozenset(expand_runs(versions, runs)) for s, runs in exact.items()},
            actions={
                s: {w: expand_runs(versions, runs) for w, runs in words.items()}
                for s, words in actions.items()
            },
        )

    def rule_sets(self) -> tuple[str, ...]:
        """The rule sets covered (``"http-request"``, ``"tcp-request content"``...)."""
        return tuple(self._actions)

    def exact(self, rule_set: str, version: str) -> bool:
        """Whether ``version``'s list for ``rule_set`` is complete (its parser was read)."""
        return version in self._exact.get(rule_set, frozenset())

    def lookup(self, rule_set: str, action: str, version: str) -> Accepted | None:
        """How ``version`` accepts ``action`` (the rule's word, arguments in parentheses
        included) in ``rule_set``: the least demanding entry matching it; None if none."""
        words = self._actions.get(rule_set, {})
        found: list[tuple[str, ...]] = []
        exact = words.get(action, {}).get(version)
        if exact is not None:
            found.append(exact)
        for word, per in words.items():
            if word.endswith(PREFIX) and action.startswith(word[:-1]) and version in per:
                found.append(per[version])
        if not found:
            return None
        return Accepted(min(found, key=lambda c: (len(c), c)))

    def accepts(
        self,
        rule_set: str,
        action: str,
        version: str,
        build: Collection[str] | Build | None = None,
    ) -> bool:
        """Whether ``version`` (built with ``build``'s options, or any build) accepts
        ``action`` in ``rule_set``. Always true where :meth:`exact` is false."""
        if not self.exact(rule_set, version):
            return True
        found = self.lookup(rule_set, action, version)
        return found is not None and found.met_by(build)

    def versions_accepting(self, rule_set: str, action: str) -> tuple[str, ...]:
        """The versions accepting ``action`` in ``rule_set`` (in some build), oldest first."""
        return tuple(v for v in self.versions if self.lookup(rule_set, action, v) is not None)

    def actions(self, rule_set: str, version: str) -> frozenset[str]:
        """The words of ``version``'s entries for ``rule_set`` (``*`` marking prefixes)."""
        return frozenset(w for w, per in self._actions.get(rule_set, {}).items() if version in per)


@functools.cache
def load_actions() -> SourceActions:
    """Load (once) the data shipped with the package."""
    return SourceActions.from_json(json.loads(data_text("actions.json")))
