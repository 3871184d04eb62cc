"""A policy document (plain data) to the policy's attrs classes, with cattrs.

The converter's hooks are strict: an integer is an ``int`` (not ``true``, not
``"1"``), a string is non-empty, a time may also be an integer of milliseconds,
a class takes a mapping of its keys (``-`` or ``_``, grouping keys such as
``global`` flattened), or an integer where it has a shorthand. Each field's
attrs validator runs as the field is read, so cattrs notes the key of every
problem; :func:`.policy_errors.locate` turns that into ``file:line``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .policy_documents import Path_, _Ctx
from .policy_errors import BadKey, Problem, Wrong, canon, locate
from .policy_overlay import file_key, removable
from .policy_parts import (
    DirectiveLine,
    DirectiveLines,
    OverrideKey,
    Overrides,
    RateLimit,
    RetryOn,
    ServerMaxconn,
    TimeText,
)

__all__ = ["structure_policy"]

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]

SHORTHAND: dict[type, str] = {RateLimit: "fixed", ServerMaxconn: "fixed"}
"""Classes a file may give as a bare integer: the key that integer sets."""

EXCLUSIVE: dict[type, tuple[str, str]] = {ServerMaxconn: ("ratio", "fixed")}
"""Keys a file may not give together (in Python, ``fixed`` wins)."""


# --------------------------------------------------------------------------- values


def _integer(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Wrong(value, "an integer")
    return value


def _boolean(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise Wrong(value, "true", "false")
    return value


def _number(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Wrong(value, "a number")
    try:
        return float(value)
    except OverflowError:
        raise Wrong(value, "a number") from None


def _text(value: Any, _: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Wrong(value, "a non-empty string")
    return value.strip()


def _time(value: Any, _: Any) -> Any:
    """An integer of milliseconds as its text; the field's validator checks the rest."""
    return str(value) if type(value) is int and value >= 0 else value


def _retry_on(value: Any, _: Any) -> tuple[str, ...]:
    words = value.split() if isinstance(value, str) else value
    if isinstance(words, list):  # YAML and TOML read a bare 503 as an integer
        words = [str(w) if type(w) is int else w for w in words]
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise Wrong(value, "a string", "a list of strings")
    return tuple(words)


def _line(value: Any, _: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
        raise Wrong(value, "one non-empty directive line")
    return value.strip()


def _lines(value: Any, _: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Wrong(value, "a list of directive lines")
    return tuple(_CONVERTER.structure(value, list[DirectiveLine]))


def _override_key(key: Any, _: Any) -> str:
    if not isinstance(key, str) or key.count("/") > 1 or not key.strip("/"):
        raise BadKey((), "{where}: override key {key!r} must be 'app/deployment' or 'deployment'",
                     key=key)  # fmt: skip
    return key


def _overrides(value: Any, _: Any) -> dict[str, int | None]:
    if not isinstance(value, Mapping):
        raise Wrong(value, "a mapping of 'app/deployment' or 'deployment' to an integer or null")
    result: dict[str, int | None] = _CONVERTER.structure(value, dict[OverrideKey, int | None])
    return result


# --------------------------------------------------------------------------- classes


@functools.cache
def _layout(cls: type) -> dict[str, Any]:
    """The keys a file gives ``cls``: each names a field or is a grouping key (a dict)."""
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.init and file_key(field):
            *groups, last = file_key(field).split(".")
            node = out
            for group in groups:
                node = node.setdefault(group, {})
            node[last] = field.name
    return out


def _fields(value: Mapping[Any, Any], layout: dict[str, Any], also: tuple[str, ...] = ()
            ) -> dict[str, Any]:  # fmt: skip
    """The fields ``value`` (a mapping as written) gives, by name."""
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for raw, item in value.items():
        if not isinstance(raw, str):
            raise BadKey((raw,), "key {raw!r} in {where!r} is not a string", raw=raw)
        key = canon(raw)
        if key not in layout:
            raise BadKey((raw,), "unknown key {raw!r} in {where!r} (expected one of: {expected})",
                         raw=raw, expected=", ".join([*layout, *also]))  # fmt: skip
        if key in seen:
            raise BadKey((raw,), "duplicate key {raw!r} in {where!r}", raw=raw)
        seen.add(key)
        if not isinstance(layout[key], dict):
            out[layout[key]] = item
            continue
        item = {} if item is None else item  # a grouping key: null is {}
        if not isinstance(item, Mapping):
            raise Wrong(item, "a mapping", at=(raw,))
        try:
            out.update(_fields(item, layout[key]))
        except Problem as exc:
            exc.at = (raw, *exc.at)
            raise
    return out


def _read(cls: type, value: Any, *, fixed: Mapping[str, Any] | None = None,
          also: tuple[str, ...] = ()) -> Any:  # fmt: skip
    """Structure ``cls`` from ``value`` with the ``fixed`` fields besides (``also``:
    keys read before, for messages). ``null`` reads as ``{}`` (a ``null`` that removes
    a key never gets here: its field takes ``None``)."""
    shorthand = SHORTHAND.get(cls)
    if value is None:
        value = {}
    elif shorthand is not None and type(value) is int:
        value = {shorthand: value}
    if not isinstance(value, Mapping):
        raise Wrong(value, "a mapping", *(["an integer"] if shorthand else []))
    fields = _fields(value, _layout(cls), also)
    if cls in EXCLUSIVE and set(EXCLUSIVE[cls]) <= fields.keys():
        first, second = EXCLUSIVE[cls]
        raw = next(k for k in value if canon(k) == second)
        raise BadKey((raw,), "{where}: set {first!r} or {second!r}, not both",
                     first=first, second=second)  # fmt: skip
    return _structure_fn(cls)({**fields, **(fixed or {})}, cls)


def _checked(field: attrs.Attribute[Any], value: Any, type_: Any) -> Any:
    """Structure one field and run its validator, so that a bad value is reported at
    its own key (not at the class that holds it)."""
    out = _CONVERTER.structure(value, type_)
    if field.validator is not None:
        field.validator(None, field, out)
    return out


@functools.cache
def _structure_fn(cls: type) -> Hook:
    hooks: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if not file_key(field):  # not from the file (Policy.source): taken as is
            hooks[field.name] = override(struct_hook=lambda value, _: value)
        elif field.init and field.validator is not None:
            hooks[field.name] = override(struct_hook=functools.partial(_checked, field))
    return make_dict_structure_fn(cls, _CONVERTER, _cattrs_detailed_validation=True, **hooks)


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=True)
    simple: list[tuple[type, Hook]] = [(int, _integer), (bool, _boolean), (float, _number),
                                       (str, _text)]  # fmt: skip
    for kind, hook in simple:
        converter.register_structure_hook(kind, hook)
    annotated: list[tuple[Any, Hook]] = [
        (TimeText, _time), (RetryOn, _retry_on), (DirectiveLine, _line),
        (DirectiveLines, _lines), (OverrideKey, _override_key), (Overrides, _overrides),
    ]  # fmt: skip
    for alias, hook in annotated:
        converter.register_structure_hook_func(functools.partial(operator.eq, alias), hook)
    converter.register_structure_hook_factory(attrs.has, lambda cls: lambda v, _: _read(cls, v))
    return converter


_CONVERTER = _converter()


# --------------------------------------------------------------------------- documents


def _apply_remove(data: Any, ctx: _Ctx, allowed: tuple[str, ...]) -> Any:
    """``remove: [key, ...]`` (for TOML, which has no null) as ``key: null`` entries."""
    if not isinstance(data, Mapping):
        return data
    raw_key = next((k for k in data if canon(k) == "remove"), None)
    if raw_key is None:
        return data
    items = data[raw_key]
    out = {k: v for k, v in data.items() if k != raw_key}
    if not isinstance(items, list):
        raise ctx.error((raw_key,), 'remove must be a list of keys, e.g. ["global.maxconn"]')
    for i, item in enumerate(items):
        where: Path_ = (raw_key, i)
        if not isinstance(item, str) or canon(item) not in allowed:
            raise ctx.error(
                where, f"remove[{i}]: {item!r} is not a key that can be removed "
                f"(one of: {', '.join(allowed)})"
            )  # fmt: skip
        *parents, leaf = canon(item).split(".")
        node: dict[Any, Any] = out
        for part in parents:
            found = next((k for k in node if canon(k) == part), part)
            child = node.get(found)
            child = dict(child) if isinstance(child, Mapping) else {}
            node[found] = child
            node = child
        existing = next((k for k in node if canon(k) == leaf), None)
        if existing is not None and node[existing] is not None:
            raise ctx.error(where, f"{item!r} is both set and listed in remove")
        node[existing or leaf] = None
    return out


def structure_policy(
    cls: type[T], data: Any, *, source: str, lines: Callable[[Path_], int | None]
) -> T:
    """``cls`` (:class:`~.policy.Policy`, passed in as that module imports this one)
    from a document's data, its ``source`` set to ``source``.

    Raises :class:`PolicyError` at the file and line of the first bad key.
    """
    ctx = _Ctx(source, lines)
    data = _apply_remove(data, ctx, removable(cls))
    try:
        result: T = _read(cls, data, fixed={"source": source}, also=("remove",))
    except (cattrs.BaseValidationError, Problem) as exc:
        raise locate(exc, data, ctx) from None
    return result
