"""One declaration per directive type: the class's KEYWORDS and fields give parse-to-typed,
setters, constructors that validate as the setters do, to_dict, and the validator's
argument check; the keyword facts it restates are checked against the keyword table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import haproxy_model as hm
from haproxy_model.analysis.validation.arguments import _kind
from haproxy_model.keywords import load_table
from haproxy_model.keywords.table import OPTION_KINDS, PREFIXES
from haproxy_model.model.directives import (
    DIRECTIVE_CLASSES,
    FlagField,
    IntArg,
    OptionsLine,
    TypedDirective,
    WordArg,
    fields_of,
    shape_of,
)
from haproxy_model.model.settings import Setting
from haproxy_model.model.typed_directive import unregister
from haproxy_model.model.typed_sections import SECTION_CLASSES
from tests.conftest import corpus_files

# -- the declarations agree with the keyword table ------------------------------------


def _first_words() -> set[str]:
    table = load_table()
    return {
        kw.words[0]
        for kind, names in table.kinds.items()
        if kind not in OPTION_KINDS and kind != "section"
        for kw in names.values()
    }


def test_every_declared_keyword_is_a_table_keyword() -> None:
    firsts = _first_words()
    unknown = [kw for kw in DIRECTIVE_CLASSES if kw not in firsts and kw not in PREFIXES]
    assert unknown == []
    assert set(SECTION_CLASSES) <= load_table().section_keywords()


def test_the_registry_is_built_from_the_declarations() -> None:
    for cls in {c for c in DIRECTIVE_CLASSES.values() if issubclass(c, TypedDirective)}:
        assert [k for k, c in DIRECTIVE_CLASSES.items() if c is cls] == list(cls.KEYWORDS)
        assert cls.KEYWORDS[0] == cls.KEYWORD
    assert DIRECTIVE_CLASSES["server"] is hm.Server and DIRECTIVE_CLASSES["no"] is hm.Option
    assert SECTION_CLASSES["backend"] is hm.Backend and SECTION_CLASSES["global"] is hm.Global


def _table_kinds(keyword: str, index: int) -> set[str]:
    """The kinds the table's synopses name at word ``index`` of ``keyword`` lines."""
    table = load_table()
    found = set()
    for kw in table.find(keyword) + [
        k for names in table.kinds.values() for k in names.values() if k.words[0] == keyword
    ]:
        for variant in kw.variants:
            for synopsis in variant.synopsis:
                tokens = synopsis.split()
                if tokens[: len(kw.words)] == list(kw.words) and index < len(tokens):
                    kind = _kind(tokens[index])
                    if kind is not None:
                        found.add(kind)
    return found


def _agree(declared: str, named: set[str]) -> bool:
    refined = {"number": {"number", "weight", "port"}}.get(declared, {declared})
    return named <= refined


def test_declared_kinds_agree_with_the_table() -> None:
    """Where a field declares the kind of value it takes, the manual names that word with
    the same kind; so the built-in declarations add no check to the table's (the
    validator reads a declared kind only where the manual names none)."""
    checked = 0
    for keyword in DIRECTIVE_CLASSES:
        shape = shape_of(keyword)
        if shape is None:
            continue
        for index, kind in shape.arguments.items():
            named = _table_kinds(keyword, index)
            assert named and _agree(kind, named), (keyword, index, kind, named)
            checked += 1
        for option, kind in shape.options.items():
            assert shape.option_kind is not None
            entry = load_table().get(shape.option_kind, option)
            assert entry is not None, (keyword, option)
            named = {k for s in entry.synopsis if (k := _kind(s.split()[1])) is not None}
            assert named and _agree(kind, named), (keyword, option, kind, named)
            checked += 1
    assert checked >= 12


def test_section_settings_stand_where_the_table_allows_them() -> None:
    """Where each keyword may appear comes from the table: a typed section offers a
    setting only where the table allows it, but for the attributes below, kept for the
    public API (the shared ``Proxy`` base offers them to every proxy section)."""
    table = load_table()
    misplaced = set()
    for section, cls in SECTION_CLASSES.items():
        for klass in cls.__mro__:
            for attr, value in vars(klass).items():
                if isinstance(value, Setting) and section not in table.allowed_sections(
                    value.keyword
                ):
                    misplaced.add((section, attr))
    assert misplaced == {
        ("frontend", "retries"),
        ("frontend", "retry_on"),
        ("backend", "maxconn"),
        ("backend", "log_format"),
    }


# -- constructors validate exactly as setters do --------------------------------------

_SAMPLES: dict[str, object] = {
    "NameArg": "n1",
    "WordArg": "w",
    "ChoiceArg": "connect",
    "WordsArg": ["a", "b"],
    "IntArg": 5,
    "StatusArg": 503,
    "TimeArg": "5s",
    "CountArg": 3,
    "AddressHost": "10.0.0.1",
    "AddressPort": 80,
    "FlagField": True,
    "IntField": 3,
    "TimeField": "2s",
    "StrField": "x",
}
_PROBES: list[object] = [
    "abc", "a b", "", "5 s", "2s", 7, -1, 3.5, True, False, ["x"], hm.Word.env("X"),
    "${X}", "line\nbreak", b"bytes", object(),
]  # fmt: skip


def _outcome(make: Any) -> tuple[str, str]:
    try:
        return "ok", make().raw
    except hm.Error as exc:
        return type(exc).__name__, str(exc)


def _typed_classes() -> Iterator[type[TypedDirective]]:
    seen: set[type] = set()
    for cls in DIRECTIVE_CLASSES.values():
        if issubclass(cls, TypedDirective) and cls not in seen:
            seen.add(cls)
            yield cls


def _by_setter(cls: type[TypedDirective], base: dict[str, Any], name: str, probe: object) -> Any:
    def make() -> TypedDirective:
        line = cls(**base)
        setattr(line, name, probe)
        return line

    return make


def _by_constructor(
    cls: type[TypedDirective], base: dict[str, Any], name: str, probe: object
) -> Any:
    return lambda: cls(**{**base, name: probe})


def test_constructor_validates_as_setters_do() -> None:
    compared = 0
    for cls in _typed_classes():
        fields = fields_of(cls)
        count = cls.positional_count()
        base = {
            n: _SAMPLES[type(f).__name__]
            for n, f in fields.items()
            if f.required or (f.index_in(cls) or count + 1) <= count
        }
        for name in fields:
            for probe in _PROBES:
                made = _outcome(_by_constructor(cls, base, name, probe))
                assert made == _outcome(_by_setter(cls, base, name, probe)), (cls, name, probe)
                compared += 1
    assert compared > 500


def test_constructor_refuses_what_is_not_a_field() -> None:
    with pytest.raises(hm.InvalidType, match="no field"):
        hm.Timeout(kind="connect", value="5s", colour="red")
    with pytest.raises(hm.InvalidType, match="'name' is not a field"):
        hm.DefaultServer(name="x")
    with pytest.raises(hm.InvalidType, match="a default-server line has no name"):
        hm.DefaultServer().name = "x"
    with pytest.raises(hm.InvalidType, match="name and address are required"):
        hm.Server(port=80)
    with pytest.raises(hm.InvalidType, match="address or port is required"):
        hm.Bind()
    with pytest.raises(hm.InvalidValue, match="reads http-request"):
        hm.Rule(keyword="use_backend")
    assert hm.Rule(keyword="tcp-request").raw == "    tcp-request"


# -- to_dict ----------------------------------------------------------------------------


def test_to_dict_gives_the_fields_and_the_constructor_takes_them_back() -> None:
    cfg = hm.parse(
        "backend b\n"
        "    default-server inter 3s check\n"
        "    server s1 10.0.0.1:80 check maxconn 32 tfo weight 10 id 4 port 81 # web\n"
        "    server-template w 1-3 app.local:8080 check\n"
        "    timeout connect 5s\n"
        "    errorfile 503 /e/503.http\n"
        "    acl api path_beg /api /v2\n"
    )
    lines = {d.keyword: d for d in cfg.backends["b"].directives()}
    server = lines["server"]
    assert isinstance(server, TypedDirective)
    assert server.to_dict() == {
        "keyword": "server", "name": "s1", "address": "10.0.0.1", "port": 80,
        "options": {"check": True, "maxconn": 32, "tfo": True, "weight": 10, "id": "4",
                    "port": "81"},
    }  # fmt: skip
    assert lines["default-server"].to_dict() == {  # type: ignore[attr-defined]
        "keyword": "default-server",
        "options": {"inter": "3s", "check": True},
    }
    with pytest.raises(hm.InvalidType, match="weight: expected an int"):
        hm.Server(name="s", address="a", options={"weight": "heavy"})
    assert lines["timeout"].to_dict() == {"keyword": "timeout", "kind": "connect", "value": "5s"}  # type: ignore[attr-defined]
    assert lines["errorfile"].to_dict()["code"] == 503  # type: ignore[attr-defined]
    for line in lines.values():
        assert isinstance(line, TypedDirective)
        assert type(line)(**line.to_dict()) == line


CORPUS = corpus_files()


def _representable(line: TypedDirective) -> bool:
    """Whether to_dict can hold the line: not with a variable reference (read as text),
    an option given twice, an empty port (``127.0.0.1:``), an IPv6 address with its port
    and no brackets (``:::80``: rebuilt as ``[::]:80``, the same address), several bind
    addresses, or a valued option written without its value (``crt`` last on the line)."""
    if "$" in line.raw or not isinstance(line, OptionsLine):
        return "$" not in line.raw
    declared = line.option_fields()
    address = line.value_at(line.POSITIONAL)
    return not (
        len(line.options) < len(line._spans()[1])
        or address.endswith(":")
        or (not address.startswith("[") and address.split("@")[-1].count(":") >= 2)
        or (isinstance(line, hm.Bind) and "," in address)
        or any(
            value is True and name in declared and not isinstance(declared[name], FlagField)
            for name, value in line.options.items()
        )
    )


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_to_dict_round_trip_over_the_corpus(path: Path) -> None:
    """Lines whose words the declaration covers all (servers, binds, ACLs, ...) come back
    equal from their to_dict, or the constructor refuses what a setter refuses (a name
    HAProxy refuses, ``fastinter unknown``, a peers ``server A`` without address)."""
    cfg = hm.load(path)
    for section in cfg.sections:
        for line in section.directives():
            if not isinstance(line, (OptionsLine, hm.Acl, hm.HttpCheck, hm.Stats)):
                continue
            if not _representable(line):
                continue
            data = line.to_dict()
            try:
                rebuilt = type(line)(**data)
            except hm.Error:
                continue
            assert rebuilt == line, (line.raw, data)


# -- a directive declared once ---------------------------------------------------------


@pytest.fixture
def rate_limit() -> Iterator[type[TypedDirective]]:
    @attrs.define(eq=False, repr=False, init=False)
    class RateLimit(TypedDirective):
        """``rate-limit sessions <rate>``: one declaration, nothing else."""

        KEYWORDS = ("rate-limit",)
        what = WordArg(1)
        rate = IntArg(2)

    try:
        yield RateLimit
    finally:
        unregister(RateLimit)


TEXT = "frontend f\n    bind :80\n    rate-limit sessions 10\n"


def test_a_directive_declared_once_gets_everything(rate_limit: type[TypedDirective]) -> None:
    # parse-to-typed, and every other place that builds lines by keyword
    cfg = hm.parse(TEXT)
    line = cfg.frontends["f"].find("rate-limit")[0]
    assert type(line) is rate_limit and line.rate == 10  # type: ignore[attr-defined]
    added = cfg.frontends["f"].add_directive(["rate-limit", "sessions", "20"])
    assert type(added) is rate_limit
    again = hm.from_dict(hm.to_dict(cfg)).frontends["f"].find("rate-limit")[0]
    assert type(again) is rate_limit

    # setters
    line.rate = 30  # type: ignore[attr-defined]
    assert line.raw == "    rate-limit sessions 30"
    with pytest.raises(hm.InvalidType) as by_setter:
        line.rate = "lots"  # type: ignore[attr-defined]

    # the constructor: same words, same checks
    assert rate_limit(what="sessions", rate=30) == line
    with pytest.raises(hm.InvalidType) as by_constructor:
        rate_limit(what="sessions", rate="lots")
    assert str(by_constructor.value) == str(by_setter.value) == "rate: expected an int, got 'lots'"
    with pytest.raises(hm.InvalidType, match="rate-limit: rate is required"):
        rate_limit(what="sessions")

    # to_dict, which the constructor takes back
    assert line.to_dict() == {"keyword": "rate-limit", "what": "sessions", "rate": 30}
    assert rate_limit(**line.to_dict()) == line

    # the validator's argument check: the manual names no kind for <rate>, the field does
    assert shape_of("rate-limit") is not None
    assert shape_of("rate-limit").arguments == {2: "number"}  # type: ignore[union-attr]
    bad = hm.parse(TEXT.replace("10", "lots"))
    codes = [d.code for d in hm.validate(bad, version="2.8")]
    assert "bad-number" in codes


def test_without_the_declaration_none_of_it(rate_limit: type[TypedDirective]) -> None:
    unregister(rate_limit)
    line = hm.parse(TEXT).frontends["f"].find("rate-limit")[0]
    assert type(line) is hm.Directive
    bad = hm.parse(TEXT.replace("10", "lots"))
    assert "bad-number" not in [d.code for d in hm.validate(bad, version="2.8")]
    assert shape_of("rate-limit") is None
