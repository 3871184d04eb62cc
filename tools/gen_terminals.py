#!/usr/bin/env python3
"""Write haproxy_model/syntax/_terminals.py: the grammar's terminal patterns, from Lark.

The fast path reads its regular expressions from that table, so that parsing
needs neither Lark nor its grammar build (about 0.4 s).  Run this after every
change to ``grammar/haproxy.lark``; until then the package falls back to Lark
and ``tests/test_grammar_terminals.py`` fails.

Usage::

    python tools/gen_terminals.py [--out haproxy_model/syntax/_terminals.py]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from haproxy_model.syntax import _grammar

OUT = Path(__file__).resolve().parent.parent / "haproxy_model" / "syntax" / "_terminals.py"


def literal(text: str) -> str:
    """``text`` as a string literal the way ``ruff format`` writes it (double quotes unless
    that needs more escapes)."""

    def escape(ch: str, quote: str) -> str:
        if ch in "'\"":
            return "\\" + ch if ch == quote else ch
        return repr(ch)[1:-1]

    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + "".join(escape(ch, quote) for ch in text) + quote


def render() -> str:
    """The text of ``_terminals.py`` for the grammar as it is now."""
    lines = [
        '"""The grammar\'s terminal patterns, as Lark compiles them (generated: do not edit).',
        "",
        "Written by ``tools/gen_terminals.py`` from ``grammar/haproxy.lark``; used only while",
        "``GRAMMAR_CHECKSUM`` matches that file (see ``_grammar.terminals``).",
        '"""',
        "",
        f"GRAMMAR_CHECKSUM = {literal(_grammar.grammar_checksum(_grammar.grammar_text()))}",
        "",
        "TERMINALS: dict[str, str] = {",
    ]
    for name, pattern in sorted(_grammar.lark_terminals().items()):
        line = f"    {literal(name)}: {literal(pattern)},"
        lines.append(line + "  # noqa: E501" if len(line) > 100 else line)
    lines += ["}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.write_text(render(), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
