"""The overlay rule of the policy's attrs classes: every key is ``UNSET`` until given.

Construction (:func:`_settle`) records the keys given in ``given`` and fills the
others with their standalone defaults; field metadata says which directive each
key writes and where it sits in a policy file. The classes are in
:mod:`.policy_parts` and :mod:`.policy`.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

__all__ = [
    "FILE_KEY",
    "UNSET",
    "WRITES",
    "file_key",
    "nullable",
    "overlay_keys",
    "removable",
    "without_null",
]


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""The default of every policy key: "not given". Replaced at construction by the
key's own default, the key then left out of ``given``."""

_STANDALONE = "haproxy_model.standalone_default"

WRITES = "haproxy_model.writes"
"""Field metadata: the directive a key writes (the README's policy table shows it)."""

FILE_KEY = "haproxy_model.file_key"
"""Field metadata: the field's key in a policy file when it is not the field's name,
dotted when the key sits in a grouping key (``global.maxconn``)."""


def _key(
    default: Any = None,
    *,
    factory: Callable[[], Any] | None = None,
    validator: Callable[[Any, attrs.Attribute[Any], Any], None] | None = None,
    writes: str = "",
    file_key: str | None = None,
) -> Any:
    """An overlay key: ``UNSET`` until given, then its standalone ``default``."""

    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if validator is not None and value is not UNSET:
            validator(inst, attr, value)

    make = factory if factory is not None else (lambda: default)
    metadata: dict[str, Any] = {_STANDALONE: make, WRITES: writes}
    if file_key is not None:
        metadata[FILE_KEY] = file_key
    return attrs.field(default=UNSET, validator=check, metadata=metadata)


def _settle(inst: Any) -> None:
    """Fill every key left ``UNSET`` with its default; record the others in ``given``."""
    given = []
    for field in attrs.fields(type(inst)):
        make = field.metadata.get(_STANDALONE)
        if make is None:
            continue
        if getattr(inst, field.name) is UNSET:
            object.__setattr__(inst, field.name, make())
        else:
            given.append(field.name)
    object.__setattr__(inst, "given", frozenset(given))


def _given_field() -> Any:
    return attrs.field(init=False, factory=frozenset, repr=False)


def overlay_keys(cls: type) -> list[str]:
    """The overlay keys of ``cls`` (its fields with a standalone default)."""
    return [f.name for f in attrs.fields(cls) if _STANDALONE in f.metadata]


def file_key(field: attrs.Attribute[Any]) -> str:
    """``field``'s key in a policy file (dotted inside a grouping key)."""
    key: str = field.metadata.get(FILE_KEY, field.name)
    return key


def nullable(annotation: Any) -> bool:
    """Whether a (resolved) field type takes ``None``."""
    origin = typing.get_origin(annotation)
    return (origin is typing.Union or origin is types.UnionType) and (
        type(None) in typing.get_args(annotation)
    )


def without_null(annotation: Any) -> Any:
    """A (resolved) field type less its ``None``: ``int`` for ``int | None``."""
    if not nullable(annotation):
        return annotation
    return next(a for a in typing.get_args(annotation) if a is not type(None))


def removable(cls: type) -> tuple[str, ...]:
    """The dotted keys a TOML ``remove`` list may name: the overlay keys of ``cls``
    (and of the overlay classes it holds) that take ``null``."""
    return _removable(cls, "")


@functools.cache
def _removable(cls: type, prefix: str) -> tuple[str, ...]:
    out: list[str] = []
    hints = typing.get_type_hints(cls, include_extras=True)
    for field in attrs.fields(cls):
        if _STANDALONE not in field.metadata:
            continue
        key, annotation = prefix + file_key(field), hints[field.name]
        if nullable(annotation):
            out.append(key)
        inner = without_null(annotation)
        if attrs.has(inner) and overlay_keys(inner):
            out.extend(_removable(inner, key + "."))
    return tuple(out)
