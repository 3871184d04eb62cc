"""A configuration to the plain data of :func:`haproxy_model.io.convert.to_dict`: the hooks
that teach a cattrs converter the dict schema, one per kind of node."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NoReturn

import cattrs

from haproxy_model.base.errors import InvalidValue
from haproxy_model.io.dict_words import dict_word_of_raw
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Conditional, Directive, Line, Node, ScopeLine, meaningful
from haproxy_model.syntax.sections import Section

SCHEMA_VERSION = 1


def register_unstructure_hooks(converter: cattrs.Converter) -> None:
    """Make ``converter.unstructure`` write a :class:`Config` and its nodes as the dict schema."""
    converter.register_unstructure_hook(Config, functools.partial(_config, converter))
    converter.register_unstructure_hook(Section, functools.partial(_section, converter))
    converter.register_unstructure_hook(Conditional, functools.partial(_conditional, converter))
    converter.register_unstructure_hook(Directive, _line_words)
    converter.register_unstructure_hook(ScopeLine, _scope)
    converter.register_unstructure_hook(Line, _other_line)


def canonical_header(keyword: str, name: str | None, from_: str | None) -> list[str]:
    """The words of the header ``keyword [name] [from X]``."""
    words = [keyword]
    if name is not None:
        words.append(name)
    if from_ is not None:
        words += ["from", from_]
    return words


def header_fields(words: Sequence[str]) -> tuple[str | None, str | None]:
    """Name and ``from`` of a header's words (the rule of ``Section.name``/``from_``)."""
    args = words[1:]
    name = args[0] if args and args[0] != "from" else None
    from_ = next((args[i + 1] for i, w in enumerate(args[:-1]) if w == "from"), None)
    return name, from_


def _nodes(converter: cattrs.Converter, nodes: Sequence[Node]) -> list[Any]:
    return [converter.unstructure(node) for node in meaningful(nodes)]


def _config(converter: cattrs.Converter, cfg: Config) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "sections": _nodes(converter, cfg.body)}


def _line_words(line: Directive) -> list[str]:
    return [dict_word_of_raw(raw) for raw in line.parts().words]


def _section(converter: cattrs.Converter, section: Section) -> dict[str, Any]:
    words = _line_words(section.header)
    name, from_ = header_fields(words)
    out: dict[str, Any] = {"type": words[0], "name": name, "from": from_}
    if words != canonical_header(words[0], name, from_):
        out["header"] = words
    out["directives"] = _nodes(converter, section.body)
    return out


def _conditional(converter: cattrs.Converter, cond: Conditional) -> dict[str, Any]:
    kinds = [branch.kind for branch in cond.branches]
    if not kinds or kinds[0] != ".if" or ".if" in kinds[1:] or ".else" in kinds[1:-1]:
        raise InvalidValue(f"cannot convert a .if block whose branches are {kinds}")
    first, *rest = cond.branches
    out: dict[str, Any] = {
        "if": _line_words(first.line)[1:],
        "body": _nodes(converter, first.body),
        "elif": [],
        "else": None,
    }
    for branch in rest:
        if branch.kind == ".elif":
            words = _line_words(branch.line)[1:]
            out["elif"].append({"if": words, "body": _nodes(converter, branch.body)})
        else:
            out["else"] = _nodes(converter, branch.body)
    return out


def _scope(line: ScopeLine) -> dict[str, Any]:
    return {"scope": line.raw.strip()}


def _other_line(line: Line) -> NoReturn:
    raise InvalidValue(f"cannot convert a {type(line).__name__} line: {line.raw!r}")
