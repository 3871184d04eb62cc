"""An explanation as text for people: one setting a line, aligned, the source at the right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from haproxy_model.analysis.explain.model import Explanation, Setting, Source

__all__ = ["render_text"]

#: values longer than this push their source further right rather than widen every row
WIDEST_VALUE = 40


def _where(source: Source, width: int = 0) -> str:
    """``file:line`` (padded to ``width``) and the section, or HAProxy's default."""
    if source.haproxy_default:
        return "HAProxy default"
    return f"{f'{source.file}:{source.line}'.ljust(width)}  {source.section}"


def _place_width(sources: Sequence[Source]) -> int:
    return max((len(f"{s.file}:{s.line}") for s in sources if not s.haproxy_default), default=0)


def _value(setting: Setting) -> str:
    value = setting.value
    if setting.arguments:
        value = f"{value} ({setting.arguments})"
    if setting.note:
        value = f"{value}  [{setting.note}]"
    return value


def _rows(settings: Sequence[Setting], indent: str) -> list[str]:
    if not settings:
        return [f"{indent}(none)"]
    key_width = max(len(s.keyword) for s in settings)
    value_width = min(WIDEST_VALUE, max(len(_value(s)) for s in settings))
    place_width = _place_width([s.source for s in settings])
    rows = []
    for s in settings:
        where = _where(s.source, place_width)
        if s.warning:
            where = s.warning if s.source.haproxy_default else f"{where}  ! {s.warning}"
        row = f"{indent}{s.keyword.ljust(key_width)}  {_value(s).ljust(value_width)}  {where}"
        rows.append(row.rstrip())
    return rows


def render_text(explanation: Explanation) -> str:
    """The explanation as aligned lines of text."""
    e = explanation
    head = f"{e.type} {e.proxy}"
    lines = [f"{head}  ({e.source.file}:{e.source.line})"]
    if e.defaults_chain:
        chain = " <- ".join(f"{d.section} ({d.file}:{d.line})" for d in e.defaults_chain)
        lines.append(f"  defaults: {chain}")
    else:
        lines.append("  defaults: none (HAProxy's own)")
    if e.disabled:
        lines.append("  disabled")
    lines.append("")
    lines.extend(_rows(e.settings, "  "))
    if e.rules_from_defaults:
        lines.append("")
        lines.append("  rules from defaults (run before the proxy's own):")
        width = max(len(r.text) for r in e.rules_from_defaults)
        place_width = _place_width([r.source for r in e.rules_from_defaults])
        for rule in e.rules_from_defaults:
            lines.append(f"    {rule.text.ljust(width)}  {_where(rule.source, place_width)}")
    for server in e.servers:
        lines.append("")
        lines.append(
            f"  server {server.name} {server.address}  ({server.source.file}:{server.source.line})"
        )
        lines.extend(_rows(server.settings, "    "))
    return "\n".join(lines) + "\n"
