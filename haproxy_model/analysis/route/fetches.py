"""Sample fetches and converters the route walk models (manual sections 7.3.2-7.3.6).

An expression is ``fetch(args),converter(args),...``.  In an ACL a fetch gives
all its values (every comma-separated value of every header occurrence); in a
sample expression (``%[...]``), ``hdr()`` gives the last one and
``url_param()`` the first, as HAProxy does.  Anything else raises
:class:`~haproxy_model.analysis.route.matching.Unknown`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from haproxy_model.analysis.route.matching import Opaque, Sample, Unknown, map_lookup, read_map
from haproxy_model.analysis.route.request import State

__all__ = ["DEFAULT_METHOD", "Expression", "Files", "parse_expression"]


@attrs.define
class Files:
    """Pattern and map files, read once, relative paths from the configuration's folder."""

    folder: Path | None
    maps: dict[str, list[tuple[str, str]]] = attrs.field(factory=dict)

    def path(self, name: str) -> Path:
        path = Path(name)
        if not path.is_absolute() and self.folder is not None:
            beside = self.folder / path
            if beside.exists():
                return beside
        if not path.is_file():
            raise Unknown(f"file {name!r} is not there to read")
        return path

    def read_map(self, name: str) -> list[tuple[str, str]]:
        if name not in self.maps:
            try:
                self.maps[name] = read_map(self.path(name))
            except OSError as exc:
                raise Unknown(f"file {name!r} cannot be read ({exc.strerror})") from None
        return self.maps[name]


@attrs.frozen
class Call:
    name: str
    args: tuple[str, ...]


@attrs.frozen
class Expression:
    fetch: Call
    converters: tuple[Call, ...]

    @property
    def text(self) -> str:
        def one(c: Call) -> str:
            return f"{c.name}({','.join(c.args)})" if c.args else c.name

        return ",".join(one(c) for c in (self.fetch, *self.converters))


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _call(text: str) -> Call:
    text = text.strip()
    if "(" not in text:
        return Call(text, ())
    name, _, rest = text.partition("(")
    if not rest.endswith(")"):
        raise Unknown(f"expression {text!r} is not understood")
    inner = rest[:-1]
    args = tuple(a.strip() for a in inner.split(",")) if inner else ()
    return Call(name.strip(), args)


def parse_expression(text: str) -> Expression:
    parts = _split_top(text)
    calls = [_call(p) for p in parts]
    return Expression(calls[0], tuple(calls[1:]))


# -- fetches ----------------------------------------------------------------------

#: The match method an ACL uses when none is given (manual section 7.3).
DEFAULT_METHOD = {
    "path": "str", "url": "str", "base": "str", "req.hdr": "str", "hdr": "str",
    "req.fhdr": "str", "fhdr": "str", "url_param": "str", "urlp": "str", "query": "str",
    "method": "meth", "src": "ip", "ssl_fc": "bool", "ssl_fc_sni": "str", "req.ver": "str",
    "req.hdr_cnt": "int", "hdr_cnt": "int", "req.fhdr_cnt": "int", "fhdr_cnt": "int",
    "req.hdrs": "str", "pathq": "str", "req.ssl_sni": "str", "fe_name": "str", "var": "str",
    "req.cook": "str", "cook": "str", "req.cook_cnt": "int", "cook_cnt": "int",
    "str": "str", "bool": "bool", "int": "int",
}  # fmt: skip


def _occurrence(values: list[str], args: tuple[str, ...], iterate: bool) -> list[str]:
    occ = 0
    if len(args) > 1 and args[1]:
        try:
            occ = int(args[1])
        except ValueError:
            raise Unknown(f"header occurrence {args[1]!r} is not a number") from None
    if occ == 0 and not iterate:
        occ = -1
    if occ == 0:
        return values
    index = occ - 1 if occ > 0 else len(values) + occ
    return [values[index]] if 0 <= index < len(values) else []


def _header_name(name: str, args: tuple[str, ...]) -> str:
    if not args or not args[0]:
        raise Unknown(f"{name} without a header name is not modelled")
    return args[0]


def _url_params(state: State, args: tuple[str, ...], iterate: bool) -> list[str]:
    if not args or not args[0]:
        raise Unknown("url_param without a name is not modelled")
    delim = args[1][:1] if len(args) > 1 and args[1] else "&"
    query = state.query
    if query is None:
        return []
    found = [
        value
        for key, sep, value in (part.partition("=") for part in query.split(delim))
        if key == args[0] and sep
    ]
    return found if iterate else found[:1]


def fetch(state: State, call: Call, iterate: bool) -> list[Sample]:
    """The values of one sample fetch on the request as it is now."""
    name, args = call.name, call.args
    if name in ("path",):
        return [] if state.path is None else [state.path]
    if name == "pathq":
        path = state.path
        if path is None:
            return []
        return [path + ("?" + state.query if state.query is not None else "")]
    if name == "url":
        return [state.target]
    if name == "query":
        return [] if state.query is None else [state.query]
    if name == "base":
        hosts = state.header_values("host")
        if not hosts or state.path is None:
            return []
        return [hosts[0] + state.path]
    if name in ("hdr", "req.hdr"):
        return list(_occurrence(state.header_values(_header_name(name, args)), args, iterate))
    if name in ("fhdr", "req.fhdr"):
        return list(_occurrence(state.header_lines(_header_name(name, args)), args, iterate))
    if name in ("hdr_cnt", "req.hdr_cnt"):
        return [len(state.header_values(_header_name(name, args)))]
    if name in ("fhdr_cnt", "req.fhdr_cnt"):
        return [len(state.header_lines(_header_name(name, args)))]
    if name in ("url_param", "urlp"):
        return list(_url_params(state, args, iterate))
    if name == "method":
        return [state.method]
    if name == "req.ver":
        return ["1.1"]
    if name == "src":
        if state.src is None:
            raise Unknown("the rule reads the client address (src) and none was given")
        if isinstance(state.src, Opaque):
            raise Unknown(state.src.reason)
        return [state.src]
    if name == "ssl_fc":
        return [state.ssl]
    if name in ("ssl_fc_sni", "req.ssl_sni"):
        return [state.sni] if state.ssl and state.sni else []
    if name in ("str", "bool", "int") and len(args) == 1:
        return [_constant(name, args[0])]
    if name in ("req.cook", "cook", "req.cook_cnt", "cook_cnt"):
        values = _cookies(state, args[0] if args else "")
        if name.endswith("_cnt"):
            return [len(values)]
        if not args or not args[0]:
            return list(values[:1])  # no name: the first cookie's value
        return list(values) if iterate else list(values[-1:])
    if name == "fe_name":
        return [state.frontend]
    if name == "var":
        return _variable(state, args)
    raise Unknown(f"fetch {name!r} is not modelled")


def _cookies(state: State, name: str) -> list[str]:
    """The values of cookie ``name`` (every cookie when empty) on the Cookie lines, in order."""
    out: list[str] = []
    for line in state.header_lines("cookie"):
        for part in line.split(";"):
            key, sep, value = part.partition("=")
            if sep and (not name or key.strip(" \t") == name):
                out.append(value.strip(" \t"))
    return out


def _constant(name: str, arg: str) -> Sample:
    """``str(x)``, ``bool(x)``, ``int(n)``: constant samples."""
    if name == "str":
        return arg
    try:
        number = int(arg)
    except ValueError:
        if name == "bool" and arg.lower() in ("true", "false"):
            return arg.lower() == "true"
        raise Unknown(f"{name}({arg}) is not understood") from None
    return bool(number) if name == "bool" else number


#: Variable scopes a request's own rules fill; ``proc`` ones outlive it.
_REQUEST_SCOPES = ("txn.", "req.", "sess.")


def _variable(state: State, args: tuple[str, ...]) -> list[Sample]:
    if not args or not args[0]:
        raise Unknown("var() without a name")
    name = args[0]
    value = state.variables.get(name)
    if isinstance(value, Opaque):
        raise Unknown(value.reason)
    if value is not None:
        return [value]
    if not name.startswith(_REQUEST_SCOPES):
        raise Unknown(f"variable {name} may be set outside this request")
    return [args[1]] if len(args) > 1 else []


# -- converters -------------------------------------------------------------------


def _field(value: str, args: tuple[str, ...]) -> str:
    index, delims = int(args[0]), args[1] if len(args) > 1 else ""
    count = int(args[2]) if len(args) > 2 else 1
    if not delims:
        raise Unknown("field() without delimiters")
    fields: list[str] = []
    current: list[str] = []
    for ch in value:
        if ch in delims:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    if index > 0:
        chosen = fields[index - 1 : index - 1 + count] if count else fields[index - 1 :]
    else:
        end = len(fields) + index + 1
        chosen = fields[max(end - count, 0) : end] if count else fields[:end]
    return delims[0].join(chosen)


_MAP_METHODS = {"map": "str", "map_str": "str", "map_beg": "beg", "map_end": "end",
                "map_sub": "sub", "map_dir": "dir", "map_dom": "dom", "map_reg": "reg"}  # fmt: skip


def convert(value: Sample, call: Call, files: Files) -> Sample | None:
    """One converter applied; None where the sample is dropped (no map entry, no default)."""
    name, args = call.name, call.args
    text = value if isinstance(value, str) else str(int(value))
    simple: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}
    if name in simple:
        return simple[name](text)
    if name == "bool":
        try:
            return int(text) != 0
        except ValueError:
            raise Unknown(f"bool of {text!r}") from None
    if name == "field":
        try:
            return _field(text, args)
        except ValueError:
            raise Unknown(f"field{args} is not understood") from None
    if name in _MAP_METHODS:
        if not args:
            raise Unknown(f"{name} without a map file")
        found = map_lookup(_MAP_METHODS[name], text, files.read_map(args[0]))
        if found is None:
            return args[1] if len(args) > 1 else None
        return found
    raise Unknown(f"converter {name!r} is not modelled")


def evaluate(expr: Expression, state: State, files: Files, iterate: bool) -> list[Sample]:
    """The samples of an expression: every value (in an ACL) or the one a format uses."""
    out: list[Sample] = []
    for value in fetch(state, expr.fetch, iterate):
        converted: Sample | None = value
        for call in expr.converters:
            if converted is None:
                break
            converted = convert(converted, call, files)
        if converted is not None:
            out.append(converted)
    return out
