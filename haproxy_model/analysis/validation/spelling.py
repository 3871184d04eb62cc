"""A near miss of a known word: HAProxy's "did you mean 'X' maybe ?".

Unknown words are let through by default (HAProxy builds may add keywords of their
own), except a word one or two edits away from a word HAProxy knows there: that is a
typing slip, and HAProxy refuses it (``backned``, ``maxcon``, ``http-after-request``).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["near_miss"]


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), ``limit + 1`` past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def near_miss(word: str, known: Iterable[str]) -> str | None:
    """The one known word ``word`` is a slip of, or None (none, or several as close).

    Words of 5 characters or more may be 1 edit away (2 from 8 characters on); shorter
    words are never guessed.
    """
    if len(word) < 5:
        return None
    limit = 2 if len(word) >= 8 else 1
    best: list[tuple[int, str]] = []
    for candidate in set(known):
        if candidate == word:
            continue
        d = distance(word.lower(), candidate.lower(), limit)
        if d <= limit:
            best.append((d, candidate))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]
