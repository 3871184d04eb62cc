"""Reading a policy document: YAML, TOML or JSON with the line of every key, and
:class:`PolicyError`, which names a file and line (:mod:`.policy_convert` turns the
data into the policy's classes)."""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from haproxy_model.base.errors import Error

__all__ = ["Path_", "PolicyError", "load_document"]

Path_ = tuple[str | int, ...]
"""Where a value sits in a document: its keys (as written) and list indices."""


class PolicyError(Error, ValueError):
    """A policy document that cannot be used.

    ``filename`` and ``line`` (1-based, ``None`` when unknown) say where;
    ``key`` is the offending key, if any.
    """

    def __init__(
        self, message: str, *, filename: str, line: int | None = None, key: str | None = None
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.key = key
        where = filename if line is None else f"{filename}:{line}"
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------- reading


@attrs.frozen
class _Ctx:
    """A document being read: its name and the line of each key path."""

    filename: str
    lines: Callable[[Path_], int | None]

    def error(self, path: Path_, message: str) -> PolicyError:
        """``message`` at the line of ``path`` (or of its nearest located ancestor)."""
        key = next((p for p in reversed(path) if isinstance(p, str)), None)
        line = None
        for cut in range(len(path), -1, -1):  # nearest located ancestor
            line = self.lines(path[:cut])
            if line is not None:
                break
        return PolicyError(message, filename=self.filename, line=line, key=key)


def _join(path: Path_, part: str | int) -> Path_:
    return (*path, part)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "<top level>"


# --------------------------------------------------------------------------- files


def _load_yaml(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML, recording the line of every key (and list item) by path."""
    import yaml

    lines: dict[Path_, int] = {}
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()

        def walk(node: Any, path: Path_) -> Any:
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    key = loader.construct_object(key_node, deep=True)
                    lines[_join(path, key)] = key_node.start_mark.line + 1
                    if key in out:
                        raise PolicyError(
                            f"duplicate key {key!r}",
                            filename=filename,
                            line=key_node.start_mark.line + 1,
                            key=str(key),
                        )
                    out[key] = walk(value_node, _join(path, key))
                return out
            if isinstance(node, yaml.SequenceNode):
                items = []
                for i, item in enumerate(node.value):
                    lines[_join(path, i)] = item.start_mark.line + 1
                    items.append(walk(item, _join(path, i)))
                return items
            return loader.construct_object(node, deep=True)

        data = None if root is None else walk(root, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(
            f"invalid YAML: {exc.problem or exc.context}",
            filename=filename,
            line=None if mark is None else mark.line + 1,
        ) from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"invalid YAML: {exc}", filename=filename) from exc
    finally:
        loader.dispose()
    if root is not None:
        lines[()] = root.start_mark.line + 1
    return data, lines


def _load_toml(text: str, filename: str) -> Any:
    import importlib

    try:
        toml: Any = importlib.import_module("tomllib")
    except ImportError:  # Python 3.10
        toml = importlib.import_module("tomli")
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PolicyError(
            f"invalid TOML: {exc}", filename=filename, line=int(match.group(1)) if match else None
        ) from exc


def _json_key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(re.escape(json.dumps(key)) + r"\s*:")


def _toml_key_pattern(key: str) -> re.Pattern[str]:
    quoted = f"{re.escape(json.dumps(key))}|'{re.escape(key)}'"
    bare = rf"(?<![A-Za-z0-9_-]){re.escape(key)}(?![A-Za-z0-9_-])"
    return re.compile(rf"(?:{quoted}|{bare})\s*[=.\]]")


def _locate(
    data: Any, text: str, key_pattern: Callable[[str], re.Pattern[str]]
) -> dict[Path_, int]:
    """Find the line of every key of ``data`` by scanning ``text`` in order.

    Each key is looked for after its previous sibling, then anywhere after its
    parent; JSON and TOML keep keys in file order, so this is exact except for
    pathological documents (it then points at the parent).
    """
    # Blank out whole-line comments, keeping offsets.
    masked = re.sub(r"(?m)^[ \t]*#.*$", lambda m: " " * len(m.group()), text)
    starts = [0] + [m.end() for m in re.finditer("\n", masked)]
    found: dict[Path_, int] = {(): 1}

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    def walk(node: Any, path: Path_, start: int) -> int:
        cursor = start
        children: Iterable[tuple[str | int, Any, re.Pattern[str] | None]]
        if isinstance(node, dict):
            children = [(k, v, key_pattern(str(k))) for k, v in node.items()]
        elif isinstance(node, list):
            children = [
                (i, v, re.compile(re.escape(json.dumps(v))) if isinstance(v, str) else None)
                for i, v in enumerate(node)
            ]
        else:
            return cursor
        for part, value, pattern in children:
            match = None
            if pattern is not None:
                match = pattern.search(masked, cursor) or pattern.search(masked, start)
            here = start if match is None else match.start()
            found[_join(path, part)] = line_of(here)
            end = here if match is None else match.end()
            cursor = max(walk(value, _join(path, part), end), end)
        return cursor

    walk(data, (), 0)
    return found


def load_document(path: str | os.PathLike[str]) -> tuple[Any, Callable[[Path_], int | None], str]:
    """Read ``.yaml``/``.yml``, ``.toml`` or ``.json``: ``(data, line of a key path, filename)``."""
    if not isinstance(path, (str, os.PathLike)):
        raise PolicyError(f"a policy path is a str or a PathLike, not {type(path).__name__}",
                          filename="<policy>")  # fmt: skip
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # missing, a directory, not UTF-8, a NUL...
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PolicyError(f"cannot read the policy: {reason}", filename=str(path)) from None
    filename = str(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        data, found = _load_yaml(text, filename)
        return data, found.get, filename
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(
                f"invalid JSON: {exc.msg}", filename=filename, line=exc.lineno
            ) from exc
        return data, _locate(data, text, _json_key_pattern).get, filename
    if suffix == ".toml":
        data = _load_toml(text, filename)
        return data, _locate(data, text, _toml_key_pattern).get, filename
    raise PolicyError(
        "unsupported policy file type (use .yaml, .yml, .toml or .json)", filename=filename
    )
