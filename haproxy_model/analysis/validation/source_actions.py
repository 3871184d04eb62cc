"""Rule actions against the lists read in HAProxy's sources (``keywords.actions``).

The manuals of 2.0-2.4 do not list every action their rule sets take, so the manual
alone cannot tell a later action from an undocumented one there. Where the sources'
list for the rule set and version is complete, it decides: an action the version's
parser does not know is refused ("'http-request' expects ..., but got
'set-timeout'"), one it registers by name is accepted whatever the manual says; one
only a prefix entry matches (``set-var*``: ``set-var-fmt(...)`` in 2.0) is left to the
manual, as the action's own parser may refuse it.
"""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.keywords import Keyword
from haproxy_model.keywords.actions import load_actions


def source_verdict(kw: Keyword, values: Sequence[str], start: int, version: str) -> bool | None:
    """Whether ``version`` accepts the action of the rule line ``values`` (``kw`` being
    the action keyword it resolves to, ``start`` the index of its first word) in some
    build: False where the sources' list is complete and nothing in it matches, True
    where an entry names the action itself, else (only a prefix matches, or the list is
    incomplete) None."""
    if kw.kind != "action" or len(kw.words) < 2:
        return None
    rule_set = " ".join(kw.words[:-1])
    index = start + len(kw.words) - 1
    if index >= len(values) or list(values[start:index]) != list(kw.words[:-1]):
        return None
    actions = load_actions()
    if not actions.exact(rule_set, version):
        return None
    action = values[index]
    if actions.lookup(rule_set, action, version) is None:
        return False
    # only a prefix entry matching ("set-var*" takes "set-var-fmt(...)"): its parse
    # function may still refuse the rest of the word, the sources do not decide
    return True if action in actions.actions(rule_set, version) else None
