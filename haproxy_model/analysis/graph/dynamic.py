"""A ``use_backend %[...]`` target: the expression, and the backends a map lookup can give.

When the expression ends with a ``map`` converter (``map``, ``map_str``, ``map_beg``,
``map_dom``... any ``map_<match>[_<output>]``) and the map file can be read, the
names it can give are the map's values and the converter's default, each with the
text written around the ``%[...]`` (``be_%[...]``). A relative map path is read from
the folder of the file that names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from haproxy_model.analysis.graph.nodes import Dynamic
from haproxy_model.analysis.validation.expressions import parse

__all__ = ["dynamic_target", "read_map_values"]

_ONE_FORMAT = re.compile(r"(?P<prefix>[^%]*)%\[(?P<expr>[^\]]*)\](?P<suffix>[^%]*)", re.DOTALL)
_MAP = re.compile(r"map(?:_[a-z]+)*")
#: at most this many names from one map file (a picture of more is no picture)
MAX_TARGETS = 200


def read_map_values(path: Path) -> list[str] | None:
    """The values of a map file's ``key value`` lines, in order, once each (None: unreadable)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None
    found: dict[str, None] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) == 2:
            found.setdefault(parts[1].strip(), None)
    return list(found)


def dynamic_target(word: str, folder: Path) -> Dynamic:
    """What a dynamic ``use_backend`` word can lead to."""
    match = _ONE_FORMAT.fullmatch(word)
    if match is None:
        return Dynamic(word, None, None, "the name is built from several expressions")
    terms = parse(match["expr"])
    last = terms[-1] if terms else None
    if last is None or not last.converter or not _MAP.fullmatch(last.name) or not last.args:
        return Dynamic(word, None, None, "the name is computed (no map lookup at the end)")
    map_file = last.args[0]
    path = Path(map_file)
    values = read_map_values(path if path.is_absolute() else folder / path)
    if values is None:
        return Dynamic(word, map_file, None, f"the map file {map_file} cannot be read")
    if len(last.args) > 1 and last.args[1] not in values:
        values.append(last.args[1])
    prefix, suffix = match["prefix"], match["suffix"]
    names = tuple(f"{prefix}{value}{suffix}" for value in values[:MAX_TARGETS])
    reason = None
    if len(values) > MAX_TARGETS:
        reason = f"only the first {MAX_TARGETS} of {len(values)} names of {map_file} are shown"
    return Dynamic(word, map_file, names, reason)
