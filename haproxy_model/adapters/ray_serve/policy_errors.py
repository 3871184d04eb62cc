"""From what cattrs reports to a :class:`PolicyError` at ``file:line``.

cattrs collects every problem of a document in exception groups; each problem
carries a note with the attribute name, list index or mapping key it was met
at. :func:`locate` walks those notes down the document as written (a field's
file key such as ``server.maxconn`` for ``server_maxconn_rule``, ``http-request``
for ``http_request``), words each problem with the dotted key, and raises the
one nearest the top of the file. The converter's hooks raise :class:`Wrong` and
:class:`BadKey`; any other ``ValueError``/``TypeError`` is a validator's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
from cattrs.errors import ClassValidationError, IterableValidationError

from haproxy_model.base.errors import InvalidType, InvalidValue

from .policy_documents import Path_, PolicyError, _Ctx, _dotted
from .policy_overlay import file_key, nullable
from .policy_parts import HealthCheck

__all__ = ["BadKey", "Problem", "Wrong", "canon", "locate"]

NULL_HINTS: dict[type, str] = {
    HealthCheck: "set health_check: null to remove the HTTP health check"
}
"""What to write instead, for the keys of a class that cannot be ``null``."""


class Problem(Exception):
    """A problem a hook found ``at`` these keys (as written) below the value it reads."""

    at: Path_ = ()


class Wrong(Problem, InvalidType):
    """A value of the wrong kind: ``kinds`` are what the key takes (``null`` aside)."""

    def __init__(self, value: Any, *kinds: str, at: Path_ = ()) -> None:
        super().__init__(f"must be {_either(kinds)}, got {value!r}")
        self.value, self.kinds, self.at = value, kinds, at


class BadKey(Problem, InvalidValue):
    """A key a mapping cannot hold. ``template`` names the mapping ``{where}`` (its
    dotted path); ``values`` fill its other fields."""

    def __init__(self, at: Path_, template: str, **values: Any) -> None:
        super().__init__(template.format(where="<mapping>", **values))
        self.at, self.template, self.values = at, template, values

    def describe(self, where: str) -> str:
        """The message, for the mapping at dotted path ``where``."""
        return self.template.format(where=where, **self.values)


def canon(key: Any) -> Any:
    """A key as the fields name it (``-`` read as ``_``)."""
    return key.replace("-", "_") if isinstance(key, str) else key


def _either(kinds: tuple[str, ...]) -> str:
    return kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


@attrs.frozen
class _Failure:
    path: Path_  # the keys as written, down to the bad one
    error: BaseException
    nullable: bool  # the key takes null
    owner: type | None  # the class whose key it is


def _descend(data: Any, path: Path_, steps: Iterable[str | int]) -> tuple[Any, Path_]:
    """Follow ``steps`` (field keys, indices) into ``data`` as written; stop where they
    do not lead (a shorthand integer, a key set by ``remove``)."""
    for step in steps:
        if isinstance(data, Mapping):
            raw = step if step in data else next((k for k in data if canon(k) == step), None)
            if raw is None:
                break
            data, path = data[raw], (*path, raw)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data, path = data[step], (*path, step)
        else:
            break
    return data, path


def _failures(
    exc: BaseException, data: Any, path: Path_, takes_null: bool, owner: type | None
) -> Iterator[_Failure]:
    """Each problem in ``exc`` (cattrs' groups walked) with the path of its key."""
    others: Iterable[BaseException] = ()
    if isinstance(exc, ClassValidationError):
        in_fields, others = exc.group_exceptions()
        fields = attrs.fields_dict(exc.cl)
        for sub, note in in_fields:
            sub_data, sub_path = _descend(data, path, file_key(fields[note.name]).split("."))
            yield from _failures(sub, sub_data, sub_path, nullable(note.type), exc.cl)
    elif isinstance(exc, IterableValidationError):
        in_items, others = exc.group_exceptions()
        for sub, item in in_items:
            sub_data, sub_path = _descend(data, path, (item.index,))
            yield from _failures(sub, sub_data, sub_path, nullable(item.type), None)
    else:
        at = exc.at if isinstance(exc, Problem) else ()
        yield _Failure(_descend(data, path, at)[1], exc, takes_null and not at, owner)
    for other in others:
        yield from _failures(other, data, path, takes_null, owner)


def _message(failure: _Failure) -> str:
    exc, where = failure.error, _dotted(failure.path)
    if isinstance(exc, BadKey):
        return exc.describe(_dotted(failure.path[:-1]))
    if isinstance(exc, Wrong):
        if exc.value is None and not failure.nullable:
            hint = NULL_HINTS.get(failure.owner) if failure.owner else None
            return f"{where} cannot be null" + (f" ({hint})" if hint else "")
        kinds = (*exc.kinds, "null") if failure.nullable else exc.kinds
        return f"{where} must be {_either(kinds)}, got {exc.value!r}"
    # A validator's words start with the field's name: the dotted key takes its place.
    text, last = str(exc), failure.path[-1] if failure.path else None
    name = canon(last) if isinstance(last, str) else ""
    if name and text.startswith(name) and text[len(name) : len(name) + 1] in (" ", ":"):
        return where + text[len(name) :]
    return f"{where}: {text}"


def locate(exc: BaseException, data: Any, ctx: _Ctx) -> PolicyError:
    """The :class:`PolicyError` for the problem in ``exc`` nearest the top of the file
    (``exc`` itself, re-raised, if it holds an error that is not about the document)."""
    failures = list(_failures(exc, data, (), False, None))
    if not all(isinstance(f.error, (ValueError, TypeError)) for f in failures):
        raise exc
    errors = [ctx.error(f.path, _message(f)) for f in failures]
    return min(errors, key=lambda e: (e.line is None, e.line or 0))
