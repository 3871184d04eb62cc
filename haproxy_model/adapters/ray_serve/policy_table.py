"""The policy's keys as a Markdown table, generated from the attrs classes.

``python -m haproxy_model.adapters.ray_serve.policy_table`` prints it; the
README holds it between ``<!-- policy-keys:start -->`` and
``<!-- policy-keys:end -->`` (a test checks they agree; ``--write README.md``
refreshes them).
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from .policy import _STANDALONE, EXTRA_SECTIONS, REMOVABLE, WRITES, HealthCheck, Policy, Timeouts
from .policy_overlay import file_key, nullable, without_null
from .policy_parts import RateLimit, RetryOn, ServerMaxconn, TimeText

__all__ = ["README_END", "README_START", "policy_table", "refresh_readme"]

README_START = "<!-- policy-keys:start -->"
README_END = "<!-- policy-keys:end -->"

NESTED: dict[str, type] = {"timeouts": Timeouts, "health_check": HealthCheck}

TYPES: dict[Any, str] = {
    int: "integer",
    str: "string",
    bool: "true / false",
    TimeText: "time (`5s`, `500ms`, `2m`)",
    RetryOn: "string or list of strings",
    RateLimit: "integer, or `{per_replica: N}` / `{fixed: N}`",
    ServerMaxconn: "integer, or `{ratio, floor, cap, fixed, overrides}`",
    HealthCheck: "mapping (below)",
    Timeouts: "mapping (below)",
}


def _type(cls: type, field: attrs.Attribute[Any]) -> str:
    annotation = typing.get_type_hints(cls, include_extras=True)[field.name]
    shown = TYPES[without_null(annotation)]
    return f"{shown} or null" if nullable(annotation) else shown


def _default(field: attrs.Attribute[Any]) -> str:
    value = field.metadata[_STANDALONE]()
    if value is None:
        return "(not written)"
    if isinstance(value, tuple):
        return "`" + " ".join(value) + "`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if attrs.has(type(value)):
        return "(below)" if type(value) in (Timeouts, HealthCheck) else "`{ratio: 1.0}`"
    return f"`{value}`"


def _rows() -> Iterator[tuple[str, str, str, str, str]]:
    for field in attrs.fields(Policy):
        if _STANDALONE not in field.metadata:
            continue
        key = file_key(field)
        null = "removes it" if key in REMOVABLE else "refused"
        if field.name == "timeouts":
            null = "same as `{}`"
        yield key, _type(Policy, field), _default(field), field.metadata[WRITES], null
        nested = NESTED.get(field.name)
        if nested is None:
            continue
        for sub in attrs.fields(nested):
            if _STANDALONE not in sub.metadata:
                continue
            sub_key = f"{key}.{sub.name.replace('_', '-') if key == 'timeouts' else sub.name}"
            canon = sub_key.replace("-", "_")
            null = "removes it" if canon in REMOVABLE else "refused"
            yield sub_key, _type(nested, sub), _default(sub), sub.metadata[WRITES], null
    for section in EXTRA_SECTIONS:
        where = {"frontend": "`frontend http_frontend`", "backend": "each application backend"}
        yield (
            f"extra.{section}",
            "list of directive lines",
            "`[]`",
            f"these lines, added to {where.get(section, f'`{section}`')} unless already there",
            "same as `[]`",
        )
    yield (
        "remove",
        "list of keys",
        "`[]`",
        "nothing itself: each listed key counts as `null` (TOML has no null)",
        "same as `[]`",
    )


def policy_table() -> str:
    """The Markdown table of every policy key."""
    lines = [
        "| key | type | default (`generate`) | writes | `null` |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in _rows():
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def refresh_readme(path: str | Path) -> bool:
    """Put the current table between the README's markers; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END)
    new = text[:start] + "\n" + policy_table() + text[end:]
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table, or ``--write README.md`` to refresh it there."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--write"] and len(args) == 2:
        print("updated" if refresh_readme(args[1]) else "unchanged")
        return 0
    if args:
        print("usage: python -m haproxy_model.adapters.ray_serve.policy_table [--write README.md]")
        return 2
    print(policy_table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
