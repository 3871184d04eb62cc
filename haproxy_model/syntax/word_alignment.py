"""Replacing a line's words while keeping what stays: the words of the old line that the
new list keeps (by key) keep their spelling and the blanks before them; a word replaced
in place keeps the blanks that stood before the old one."""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.syntax.lexer import LineParts
from haproxy_model.syntax.words import value_of


def replace_words(parts: LineParts, raws: Sequence[str], keys: Sequence[object] | None) -> None:
    """Set ``parts``' words to ``raws`` (raw text, already quoted), aligned on the old ones
    by ``keys`` (by default the words' values)."""
    import difflib  # on the first edit, not at import

    old = list(zip(["", *parts.separators], parts.words, strict=True))
    wanted = list(keys) if keys is not None else [value_of(w) for w in raws]
    matcher = difflib.SequenceMatcher(
        a=[value_of(w) for w in parts.words], b=wanted, autojunk=False
    )
    new: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            new.extend(old[i1:i2])
        elif tag != "delete":
            for k, j in enumerate(range(j1, j2)):
                sep = old[i1 + k][0] if tag == "replace" and i1 + k < i2 else " "
                new.append((sep, raws[j]))
    if new:
        new[0] = ("", new[0][1])
    parts.words = [w for _, w in new]
    parts.separators = [sep or " " for sep, _ in new[1:]]
