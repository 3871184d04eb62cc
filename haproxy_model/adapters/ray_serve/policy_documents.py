"""Reading a policy document: YAML, TOML or JSON with the line of every key, and the
checked access that turns a bad value into a :class:`PolicyError` naming its file and
line (the model itself is :mod:`.policy`)."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from haproxy_model.base.errors import Error

__all__ = ["Path_", "PolicyError"]

Path_ = tuple[str | int, ...]
T = TypeVar("T")


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
    filename: str
    lines: Callable[[Path_], int | None]

    def error(self, path: Path_, message: str) -> PolicyError:
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


class _Section:
    """A mapping whose keys are checked against ``allowed`` (``-`` == ``_``)."""

    def __init__(self, value: Any, path: Path_, ctx: _Ctx, allowed: Iterable[str]) -> None:
        if not isinstance(value, Mapping):
            raise ctx.error(
                path, f"{_dotted(path)!r} must be a mapping, got {type(value).__name__}"
            )
        self.path = path
        self.ctx = ctx
        allowed = tuple(allowed)
        self._items: dict[str, tuple[str, Any]] = {}
        for raw, item in value.items():
            if not isinstance(raw, str):
                raise ctx.error(path, f"key {raw!r} in {_dotted(path)!r} is not a string")
            canon = raw.replace("-", "_")
            if canon not in allowed:
                raise ctx.error(
                    _join(path, raw),
                    f"unknown key {raw!r} in {_dotted(path)!r} "
                    f"(expected one of: {', '.join(allowed)})",
                )
            if canon in self._items:
                raise ctx.error(_join(path, raw), f"duplicate key {raw!r} in {_dotted(path)!r}")
            self._items[canon] = (raw, item)

    def has(self, name: str) -> bool:
        return name in self._items

    def at(self, name: str) -> Path_:
        raw = self._items[name][0] if name in self._items else name
        return _join(self.path, raw)

    def get(self, name: str, default: Any = None) -> Any:
        return self._items[name][1] if name in self._items else default


def _check(ctx: _Ctx, where: Path_, build: Callable[..., T], /, **kwargs: Any) -> T:
    """Call ``build(**kwargs)``; turn its ``ValueError`` into a located error."""
    try:
        return build(**kwargs)
    except PolicyError:
        raise
    except (ValueError, TypeError) as exc:
        raise ctx.error(where, f"{_dotted(where)}: {exc}") from exc


def _int(sec: _Section, name: str, default: int | None, *, nullable: bool = True) -> int | None:
    value = sec.get(name, default)
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise sec.ctx.error(
            sec.at(name),
            f"{_dotted(sec.at(name))} must be an integer"
            f"{' or null' if nullable else ''}, got {value!r}",
        )
    return value


def _str(sec: _Section, name: str, default: str | None, *, nullable: bool = False) -> str | None:
    """A non-empty string (``None``, YAML ``null``, too when ``nullable``)."""
    value = sec.get(name, default)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        raise sec.ctx.error(
            sec.at(name), f"{_dotted(sec.at(name))} must be a non-empty string, got {value!r}"
        )
    return value.strip()


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
