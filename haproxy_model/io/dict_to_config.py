"""Plain data of the dict schema to a configuration (:func:`haproxy_model.io.convert.from_dict`).

The data is checked item by item, each check mirroring how the parser groups
lines, and written out as text, which is parsed: so the result is typed exactly
like a parsed file, and an error names the path of the bad item.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import cattrs

from haproxy_model.base.errors import InvalidValue, ParseError
from haproxy_model.io.config_to_dict import SCHEMA_VERSION, canonical_header, header_fields
from haproxy_model.io.dict_words import dict_word, file_word, pieces_of_dict_word
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_NESTING, MAX_WORDS

_INDENT = "    "
_MARKERS = frozenset((".if", ".elif", ".else", ".endif"))
_MESSAGES = frozenset((".diag", ".notice", ".warning", ".alert"))


def register_structure_hook(converter: cattrs.Converter) -> None:
    """Make ``converter.structure(data, Config)`` read the dict schema (checked, then parsed)."""
    converter.register_structure_hook(Config, functools.partial(_structure_config, converter))


@functools.cache
def _section_keywords() -> frozenset[str]:
    return _grammar.section_keywords()


def _fail(path: str, message: str) -> NoReturn:
    raise InvalidValue(f"{path}: {message}" if path else message)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _object(
    value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, f"expected an object (dict), got {_type_name(value)}")
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join(repr(k) for k in (*required, *optional))
            _fail(_join(path, str(key)), f"unknown key (expected {allowed})")
    for key in required:
        if key not in value:
            _fail(path, f"missing key {key!r}")
    return value


def _list(value: object, path: str) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        _fail(path, f"expected a list, got {_type_name(value)}")
    return value


class _Word:
    """A checked WORD: its canonical spelling, its value and its text in a file."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, str):
            _fail(path, f"expected a string, got {_type_name(value)}")
        pieces = pieces_of_dict_word(value)
        self.text = dict_word(pieces)
        self.value = "".join(text for text, _ in pieces)
        self.raw = file_word(pieces, path)

    def first(self) -> _Word:
        """Quote a line's bare first word that starts with ``[`` (else a ``[scope]`` line)."""
        if self.raw.startswith("["):  # bare, so without quotes or CR/LF
            self.raw = f"'{self.raw}'"
        return self


def _words(value: object, path: str, *, condition: bool = False) -> list[_Word]:
    """Check a line's words (for a condition: the words after ``.if``)."""
    items = _list(value, path)
    if not items and not condition:
        _fail(path, "a line needs at least a keyword")
    count = len(items) + condition
    if count > MAX_WORDS:
        _fail(path, f"{count} words: HAProxy reads at most {MAX_WORDS} per line")
    return [_Word(v, f"{path}[{i}]") for i, v in enumerate(items)]


def _optional_word(value: object, path: str) -> str | None:
    return None if value is None else _Word(value, path).text


def _kind(item: object, path: str) -> str:
    if isinstance(item, (list, tuple)):
        return "line"
    if isinstance(item, Mapping):
        for key, kind in (("type", "section"), ("if", "if"), ("scope", "scope")):
            if key in item:
                return kind
    _fail(
        path,
        "expected a list of words, or an object with 'type' (a section), 'if' (a .if block) "
        f"or 'scope' (a [scope] line), got {_type_name(item)}",
    )


_AFTER_SECTION = (
    "HAProxy reads what follows a section as part of it: move this into that section's 'directives'"
)


class _Writer:
    """Checks the data and writes the text it stands for, line by line.

    Each check mirrors how the parser groups lines, so that parsing the text
    gives back the data; ``expected`` is the data in :func:`to_dict` form.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.paths: list[str] = []  # the data path each line comes from
        self.seen_section = False
        self.depth = 0  # open `.if` blocks
        self.indent_next_header = False

    def emit(self, indent: str, words: Sequence[_Word | str], path: str) -> None:
        text = indent + " ".join(w if isinstance(w, str) else w.raw for w in words)
        if len(text) > MAX_LINE_LENGTH:
            _fail(path, f"line longer than {MAX_LINE_LENGTH} characters")
        self.lines.append(text + "\n")
        self.paths.append(path)

    def config(self, data: object) -> dict[str, Any]:
        obj = _object(data, "", ("version", "sections"), ())
        version = obj["version"]
        if type(version) is not int or version != SCHEMA_VERSION:
            _fail("version", f"unsupported version {version!r} (this library reads 1)")
        sections, _ = self.items(obj["sections"], "sections", top=True, indent="")
        return {"version": SCHEMA_VERSION, "sections": sections}

    def items(self, value: object, path: str, *, top: bool, indent: str) -> tuple[list[Any], bool]:
        """One list of ITEMs (``top``: a list where sections stand); also: has it sections?"""
        items = _list(value, path)
        out: list[Any] = []
        has_sections = after_section = False
        for i, item in enumerate(items):
            p = f"{path}[{i}]"
            kind = _kind(item, p)
            if top and i and kind in ("section", "if"):
                self.lines.append("\n")
                self.paths.append(p)
            if kind == "section":
                if not top:
                    _fail(p, "a section cannot stand inside a section")
                following = items[i + 1] if i + 1 < len(items) else None
                out.append(self.section(item, p, following))
                has_sections = after_section = True
            elif kind == "if":
                expected, inner = self.conditional(item, p, top=top, indent=indent)
                if after_section and not inner:
                    _fail(p, _AFTER_SECTION)
                out.append(expected)
                has_sections = has_sections or inner
                after_section = False
            elif after_section:
                _fail(p, _AFTER_SECTION)
            elif kind == "line":
                out.append(self.line(item, p, top=top, indent=indent))
            else:
                out.append(self.scope(item, p, indent=indent))
        return out, has_sections

    def section(self, item: object, path: str, following: object) -> dict[str, Any]:
        obj = _object(item, path, ("type",), ("name", "from", "header", "directives"))
        type_path = _join(path, "type")
        keyword = _Word(obj["type"], type_path).first()
        if keyword.value.startswith("."):
            _fail(type_path, f"{keyword.value!r} cannot be a section keyword")
        name = _optional_word(obj.get("name"), _join(path, "name"))
        from_ = _optional_word(obj.get("from"), _join(path, "from"))
        if "header" in obj:
            words = _words(obj["header"], _join(path, "header"))
            words[0].first()
            if words[0].text != keyword.text:
                _fail(_join(path, "header[0]"), f"expected the section type {keyword.text!r}")
        else:
            texts = canonical_header(keyword.text, name, from_)
            words = [keyword, *(_Word(t, path) for t in texts[1:])]
        texts = [w.text for w in words]
        read = dict(zip(("name", "from"), header_fields(texts), strict=True))
        for key, given in (("name", name), ("from", from_)):
            if (key in obj or "header" not in obj) and given != read[key]:
                hint = "" if "header" in obj else "; give the header's words in 'header'"
                _fail(
                    _join(path, key),
                    f"the header {texts} reads as {key} {read[key]!r}, not {given!r}{hint}",
                )
        directives_path = _join(path, "directives")
        directives = obj.get("directives", [])
        indent = _INDENT if self.indent_next_header else ""
        self.indent_next_header = False
        if keyword.value not in _section_keywords():
            self.check_unknown(keyword.text, directives, directives_path, type_path, following)
        self.seen_section = True
        self.emit(indent, words, path)
        body, _ = self.items(directives, directives_path, top=False, indent=_INDENT)
        out: dict[str, Any] = {"type": keyword.text, "name": read["name"], "from": read["from"]}
        if texts != canonical_header(keyword.text, read["name"], read["from"]):
            out["header"] = texts
        out["directives"] = body
        return out

    def check_unknown(
        self, keyword: str, directives: object, path: str, type_path: str, following: object
    ) -> None:
        if self.seen_section:
            _fail(
                type_path,
                f"{keyword!r} is not a HAProxy section keyword: an unknown section can only "
                "come before every other section",
            )
        items = _list(directives, path)
        if items:
            if not isinstance(items[0], (list, tuple)):
                _fail(f"{path}[0]", "an unknown section must start with a directive")
        elif isinstance(following, Mapping) and "type" in following:
            self.indent_next_header = True
        else:
            _fail(path, "an unknown section needs a directive (or a section right after it)")

    def conditional(
        self, item: object, path: str, *, top: bool, indent: str
    ) -> tuple[dict[str, Any], bool]:
        obj = _object(item, path, ("if",), ("body", "elif", "else"))
        if self.depth >= MAX_NESTING:
            _fail(path, f"too many nested .if blocks (HAProxy allows {MAX_NESTING})")
        body_indent = indent if top else indent + _INDENT
        has_sections = False

        def branch(marker: list[_Word | str], body: object, body_path: str) -> list[Any]:
            nonlocal has_sections
            self.emit(indent, marker, body_path)
            items, inner = self.items(body, body_path, top=top, indent=body_indent)
            has_sections = has_sections or inner
            return items

        self.depth += 1
        cond = _words(obj["if"], _join(path, "if"), condition=True)
        out: dict[str, Any] = {"if": [w.text for w in cond]}
        out["body"] = branch([".if", *cond], obj.get("body", []), _join(path, "body"))
        out["elif"] = []
        for i, entry in enumerate(_list(obj.get("elif", []), _join(path, "elif"))):
            epath = f"{path}.elif[{i}]"
            e = _object(entry, epath, ("if",), ("body",))
            cond = _words(e["if"], _join(epath, "if"), condition=True)
            body = branch([".elif", *cond], e.get("body", []), _join(epath, "body"))
            out["elif"].append({"if": [w.text for w in cond], "body": body})
        else_body = obj.get("else")
        if else_body is not None:
            out["else"] = branch([".else"], else_body, _join(path, "else"))
        else:
            out["else"] = None
        self.depth -= 1
        self.emit(indent, [".endif"], path)
        return out, has_sections

    def line(self, item: object, path: str, *, top: bool, indent: str) -> list[str]:
        words = _words(item, path)
        keyword = words[0].first().value
        first = f"{path}[0]"
        if keyword in _section_keywords():
            _fail(first, f"{keyword!r} opens a section: write it as a section object")
        if keyword in _MARKERS:
            _fail(first, f"write a {keyword} block as an object {{'if': [...], 'body': [...]}}")
        if keyword in _MESSAGES:
            if len(words) > 2:
                _fail(f"{path}[2]", "a message is one word: join its text into one string")
        elif keyword.startswith("."):
            if not self.depth:
                _fail(first, f"unknown directive {keyword!r} outside a .if block")
        elif top and not self.seen_section:
            _fail(first, f"{keyword!r} stands before any section")
        if top and not keyword.startswith("."):
            indent = _INDENT
        self.emit(indent, words, path)
        return [w.text for w in words]

    def scope(self, item: object, path: str, *, indent: str) -> dict[str, Any]:
        obj = _object(item, path, ("scope",), ())
        scope_path = _join(path, "scope")
        text = obj["scope"]
        if not isinstance(text, str):
            _fail(scope_path, f"expected a string, got {_type_name(text)}")
        text = text.strip()
        if not text.startswith("["):
            _fail(scope_path, "a scope line starts with '['")
        bad = re.search(r"[\r\n\x00]", text)
        if bad is not None:
            _fail(scope_path, f"{bad.group()!r} cannot be written into a configuration line")
        self.emit(indent, [text], path)
        return {"scope": text}


def _first_difference(a: object, b: object, path: str) -> str:
    """The path of the first place where two plain-data trees differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), _join(path, key))
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
        return f"{path}[{min(len(a), len(b))}]"
    return path


def _structure_config(converter: cattrs.Converter, data: object, _: object) -> Config:
    writer = _Writer()
    expected = writer.config(data)
    try:
        cfg = parse("".join(writer.lines), filename="<from_dict>")
    except ParseError as err:  # pragma: no cover - the checks above prevent it
        _fail(writer.paths[err.line - 1], err.message)
    got = converter.unstructure(cfg)
    if got != expected:  # pragma: no cover - the checks above prevent it
        _fail(_first_difference(expected, got, ""), "HAProxy would not read this back as written")
    return cfg
