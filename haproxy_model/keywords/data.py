"""The keyword data files beside this package: their text, and mappings built on first read.

The keyword tables (``table.json``, ``samples.json``, ``first_words.json``) hold a
few thousand entries, of which a check of a short file reads a few dozen: their
names (iteration, ``in``, ``len``) come straight from the parsed JSON, and an
entry becomes its object the first time it is looked up, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")
V = TypeVar("V")


class Lazy(Mapping[K, V], Generic[K, R, V]):
    """``{key: build(key, raw[key])}``, each value built on first read and then kept."""

    __slots__ = ("_build", "_built", "_raw")

    def __init__(self, raw: Mapping[K, R], build: Callable[[K, R], V]) -> None:
        self._raw = raw
        self._build = build
        self._built: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        try:
            return self._built[key]
        except KeyError:
            value = self._built[key] = self._build(key, self._raw[key])  # KeyError: unknown
            return value

    def __iter__(self) -> Iterator[K]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self._built)} of {len(self)} built>"


def data_text(name: str) -> str:
    """The text of the data file ``name`` of this package.

    Read from the package's folder; through :mod:`importlib.resources` only where the
    package is not one (a zip), as importing that costs more than reading the file.
    """
    here = Path(__file__).with_name(name)
    if here.is_file():
        return here.read_text(encoding="utf-8")
    from importlib import resources

    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def expand_runs(versions: Sequence[str], runs: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """``{version: value}`` of the ``[first, last, value]`` runs of a generated table over
    the ordered ``versions`` (a list value as a tuple)."""
    out: dict[str, Any] = {}
    for first, last, value in runs:
        for v in versions[versions.index(first) : versions.index(last) + 1]:
            out[v] = tuple(value) if isinstance(value, list) else value
    return out
