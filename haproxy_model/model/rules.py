"""Lines with a condition: ``acl``, the rules (``http-request`` ...), ``use_backend``, ``stick``."""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.model.fields import NameArg, WordArg, WordsArg
from haproxy_model.model.typed_directive import TypedDirective

_CONDITIONS = ("if", "unless")


def split_condition(values: Sequence[str], start: int) -> tuple[list[str], str | None, list[str]]:
    for i in range(start, len(values)):
        if values[i] in _CONDITIONS:
            return list(values[start:i]), values[i], list(values[i + 1 :])
    return list(values[start:]), None, []


class Acl(TypedDirective):
    """``acl <name> <criterion> [flags] [operator] <value> ...``."""

    __slots__ = ()

    KEYWORDS = ("acl",)
    #: the ACL's name
    name = NameArg(1)
    #: the sample fetch (``path_beg``, ``hdr(host)``, ...)
    criterion = WordArg(2)
    #: flags, operator and values after the criterion
    patterns = WordsArg(3)


class Rule(TypedDirective):
    """A rule: ``http-request``, ``http-response``, ``http-after-response``,
    ``tcp-request``, ``tcp-response`` (``<family> [<set>] <action> [args] [if|unless cond]``)."""

    __slots__ = ()

    KEYWORDS = ("http-request", "http-response", "http-after-response", "tcp-request",
                "tcp-response")  # fmt: skip

    @property
    def family(self) -> str:
        """The rule keyword: ``http-request``, ``tcp-request``, ..."""
        return self.keyword

    @property
    def rule_set(self) -> str | None:
        """For tcp rules: ``connection``, ``session`` or ``content``; else None."""
        values = self.values
        if (
            self.keyword.startswith("tcp-")
            and len(values) > 2
            and values[1]
            in (
                "connection",
                "session",
                "content",
            )
        ):
            return values[1]
        return None

    @property
    def action_index(self) -> int:
        """The index of the action word (1, or 2 after a rule set such as ``content``)."""
        return 2 if self.rule_set else 1

    @property
    def action(self) -> str:
        """The action (``set-header``, ``deny``, ``accept``, ...)."""
        return self.value_at(self.action_index)

    @property
    def arguments(self) -> list[str]:
        """The action's arguments, before any condition."""
        return split_condition(self.values, self.action_index + 1)[0]

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = split_condition(self.values, self.action_index + 1)
        return (kind, words) if kind else None


class UseBackend(TypedDirective):
    """``use_backend <backend> [{if | unless} <condition>]`` (also ``use-server``)."""

    __slots__ = ()

    KEYWORDS = ("use_backend", "use-server")
    #: the backend (or server) it names
    target = WordArg(1)

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = split_condition(self.values, 2)
        return (kind, words) if kind else None


class Stick(TypedDirective):
    """``stick match|on|store-request|store-response <pattern> [table <t>] [if|unless ...]``."""

    __slots__ = ()

    KEYWORDS = ("stick",)
    #: ``match``, ``on``, ``store-request`` or ``store-response``
    kind = WordArg(1)
    #: the sample expression
    pattern = WordArg(2)

    @property
    def table(self) -> str | None:
        """The table named after ``table``, or None (this proxy's own)."""
        return self.value_after("table", 3)

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = split_condition(self.values, 3)
        return (kind, words) if kind else None


__all__ = ["Acl", "Rule", "Stick", "UseBackend", "split_condition"]
