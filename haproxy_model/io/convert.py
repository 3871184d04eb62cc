"""A configuration as plain data: :func:`to_dict` and :func:`from_dict`.

The dict keeps the model (sections in order, each with its keyword, name and
``from``; every directive's words; `.if` blocks; `.notice`-style messages;
``[scope]`` lines; unknown sections) and drops the formatting (blank lines,
comments, blanks between words, quoting).  It holds only ``dict``, ``list``,
``str``, ``int`` and ``None``, so ``json.dumps`` takes it as is.

``from_dict(to_dict(cfg)) == cfg`` (equality by meaning, see
:mod:`haproxy_model.syntax.nodes`).  :func:`from_dict` writes the text conventionally
(section headers at column 0, four-space indent, one blank line between
sections) and parses it, so the result is typed exactly like a parsed file:
``from_dict(d).backends["app"].servers["s1"]`` is a :class:`Server`.

Schema, version 1
-----------------
::

    CONFIG  = {"version": 1, "sections": [ITEM, ...]}   # the file's top level, in order

    SECTION = {"type": "backend",        # the section keyword
               "name": "app",            # or null (global, anonymous defaults)
               "from": "base",           # the defaults named after `from`, or null
               "directives": [ITEM, ...],
               "header": [WORD, ...]}    # only when the header is not `type [name] [from X]`

    LINE    = [WORD, ...]                # a directive, keyword first:
                                         # ["server", "s1", "127.0.0.1:8081", "check"];
                                         # a message is [".notice", "text"] (one word of text)

    IF      = {"if": [WORD, ...],        # the `.if` condition's words
               "body": [ITEM, ...],
               "elif": [{"if": [WORD, ...], "body": [ITEM, ...]}, ...],
               "else": [ITEM, ...]}      # or null when the block has no `.else`

    SCOPE   = {"scope": "[name]"}        # a `[scope]` line, as written

An ITEM is a SECTION, a LINE, an IF or a SCOPE.  ``to_dict`` always writes
every key except ``header``; ``from_dict`` needs ``version``, ``sections``,
``type`` and ``if``, and reads the others as empty (``null`` or ``[]``) when
absent.  A ``type`` that is not one of HAProxy's section keywords makes an
unknown section, kept with its keyword.

A WORD is the word's value, quotes and escapes resolved, with one rule for
``$``: HAProxy expands environment variables written inside double quotes, so
a reference (``$NAME``, ``${NAME}``, ``${NAME-default}``, ``${NAME[*]}``,
``$.LINE``) in a WORD stands for that expansion, and a literal ``$`` that would
read as one (or is followed by ``$``) is written ``$$``.  Thus
``bind "${ADDR}:80"`` gives ``"${ADDR}:80"``, ``'$HOME'`` gives ``"$$HOME"``
and a regex ``'^/api$'`` stays ``"^/api$"``.  A WORD may be empty and may hold
any character: CR, LF and NUL (``tcp-check send "PING\\r\\n"``) are written back
as escapes.  (A reference is always written with braces, ``"$A"b`` gives ``"${A}b"``, so
that a name character after it cannot lengthen the name.)

Where an ITEM may stand follows how HAProxy reads the text back:

- SECTIONs stand in ``sections`` and in the branches of an IF there, never in
  a section's ``directives``.
- In those lists, a LINE, SCOPE or section-less IF right after a SECTION
  would be read as part of it: it belongs in its ``directives``.
- A LINE whose keyword opens a section or is ``.if``/``.elif``/``.else``/
  ``.endif`` is refused (write a SECTION or an IF); so are another ``.``
  keyword outside any IF, a message with more than one word of text, and a
  directive before the first section.  (A keyword starting with ``[`` is
  written quoted: HAProxy reads a line starting with a bare ``[`` as a scope.)
- An unknown section comes before every other section and starts with a
  LINE (or has no directives and is directly followed by a SECTION, whose
  header is then indented: the only way HAProxy reads that back).

:func:`from_dict` raises :class:`ValueError` naming the path of the bad item,
e.g. ``sections[2].directives[0][3]: expected a string, got int``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import cattrs

from haproxy_model.base.errors import Error, InvalidType, InvalidValue, ParseError
from haproxy_model.model.api import parse
from haproxy_model.model.config import Config
from haproxy_model.syntax import _grammar
from haproxy_model.syntax.lexer import MAX_LINE_LENGTH, MAX_NESTING, MAX_WORDS
from haproxy_model.syntax.nodes import Conditional, Directive, Line, Node, ScopeLine, meaningful
from haproxy_model.syntax.sections import Section
from haproxy_model.syntax.words import _dq_pieces, _unescape, _word_pieces, brace, quote, value_of

SCHEMA_VERSION = 1

_INDENT = "    "
_MARKERS = frozenset((".if", ".elif", ".else", ".endif"))
_MESSAGES = frozenset((".diag", ".notice", ".warning", ".alert"))

converter = cattrs.Converter()
"""The converter behind :func:`to_dict` and :func:`from_dict`."""


def to_dict(cfg: Config) -> dict[str, Any]:
    """The configuration as JSON-ready plain data (see the module docstring)."""
    if not isinstance(cfg, Config):
        raise InvalidType(f"to_dict() takes a Config, not {type(cfg).__name__}")
    result: dict[str, Any] = converter.unstructure(cfg)
    return result


def from_dict(data: Mapping[str, Any]) -> Config:
    """Build a :class:`Config` from :func:`to_dict` data.

    Raises :class:`ValueError` naming the path of the first bad item.
    """
    try:
        result: Config = converter.structure(data, Config)
    except Error:
        raise
    except Exception as exc:  # cattrs' error groups: say where, as one line
        import cattrs

        messages = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) \
            else [str(exc)]  # fmt: skip
        raise InvalidValue(f"from_dict(): {'; '.join(messages)}") from exc
    return result


# -- words and `$` ---------------------------------------------------------------

# A word as pieces: (text, True) is an environment variable reference as
# written, (text, False) literal text.
_Pieces = list[tuple[str, bool]]


@functools.cache
def _env_var() -> re.Pattern[str]:
    return _grammar.compiled("ENV_VAR")


@functools.cache
def _section_keywords() -> frozenset[str]:
    return _grammar.section_keywords()


def _raw_pieces(raw: str) -> _Pieces:
    """The pieces of a word as written in a file (``raw`` is a valid word)."""
    out: _Pieces = []
    pos, end = 0, len(raw)
    while pos < end:
        m = _word_pieces().match(raw, pos)
        assert m is not None
        pos = m.end()
        kind = m.lastgroup
        if kind == "bare":
            out.append((m.group(), False))
        elif kind == "esc":
            out.append((_unescape(m.group()), False))
        elif kind == "lone":
            out.append(("\\", False))
        elif kind == "sq":
            out.append((m.group()[1:-1], False))
        else:
            while True:
                d = _dq_pieces().match(raw, pos)
                assert d is not None
                pos = d.end()
                dkind = d.lastgroup
                if dkind == "end":
                    break
                if dkind == "run":
                    out.append((d.group(), False))
                elif dkind == "esc":
                    out.append((_unescape(d.group()), False))
                elif dkind == "lone":
                    out.append(("\\", False))
                else:
                    # "$A" followed by "b" must not come back as "$Ab"
                    out.append((brace(d.group()), True))
    return out


def _text_pieces(text: str) -> _Pieces:
    """The pieces of a WORD of the dict (``$$`` is a literal ``$``)."""
    out: _Pieces = []
    literal: list[str] = []
    pos, end = 0, len(text)
    while pos < end:
        dollar = text.find("$", pos)
        if dollar < 0:
            literal.append(text[pos:])
            break
        literal.append(text[pos:dollar])
        m = _env_var().match(text, dollar)
        if text.startswith("$$", dollar):
            literal.append("$")
            pos = dollar + 2
        elif m is not None:
            out.append(("".join(literal), False))
            literal = []
            out.append((brace(m.group()), True))
            pos = m.end()
        else:
            literal.append("$")
            pos = dollar + 1
    out.append(("".join(literal), False))
    return [p for p in out if p[0]]


def _encode(pieces: _Pieces) -> str:
    """The dict's WORD for pieces: a literal ``$`` that would misread becomes ``$$``."""
    out: list[str] = []  # built backwards
    for text, is_ref in reversed(pieces):
        if is_ref:
            out.append(text)
            continue
        for ch in reversed(text):
            if ch == "$":
                suffix = "".join(reversed(out))
                if suffix.startswith("$") or _env_var().match("$" + suffix):
                    ch = "$$"
            out.append(ch)
    return "".join(reversed(out))


def _encode_raw(raw: str) -> str:
    """The dict's WORD for a word as written in a file."""
    value = value_of(raw)
    if "$" not in value:
        return value
    return _encode(_raw_pieces(raw))


_DQ_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\r": "\\r", "\n": "\\n", "\x00": "\\x00"}
_NEEDS_DQ = re.compile(r"[\r\n\x00]")


def _render(pieces: _Pieces, path: str) -> str:
    """A word HAProxy reads as these pieces."""
    value = "".join(text for text, _ in pieces)
    if not any(is_ref for _, is_ref in pieces) and not _NEEDS_DQ.search(value):
        return quote(value, field=path) if value else '""'
    inner = [
        text if is_ref else "".join(_DQ_ESCAPES.get(ch, ch) for ch in text)
        for text, is_ref in pieces
    ]
    return '"' + "".join(inner) + '"'


# -- unstructuring -------------------------------------------------------------


def _unstructure_nodes(nodes: Sequence[Node]) -> list[Any]:
    return [converter.unstructure(node) for node in meaningful(nodes)]


def _unstructure_config(cfg: Config) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "sections": _unstructure_nodes(cfg.body)}


def _canonical_header(keyword: str, name: str | None, from_: str | None) -> list[str]:
    words = [keyword]
    if name is not None:
        words.append(name)
    if from_ is not None:
        words += ["from", from_]
    return words


def _header_fields(words: Sequence[str]) -> tuple[str | None, str | None]:
    """Name and ``from`` of a header's words (the rule of ``Section.name``/``from_``)."""
    args = words[1:]
    name = args[0] if args and args[0] != "from" else None
    from_ = next((args[i + 1] for i, w in enumerate(args[:-1]) if w == "from"), None)
    return name, from_


def _line_words(line: Directive) -> list[str]:
    return [_encode_raw(raw) for raw in line.parts().words]


def _unstructure_section(section: Section) -> dict[str, Any]:
    words = _line_words(section.header)
    name, from_ = _header_fields(words)
    out: dict[str, Any] = {"type": words[0], "name": name, "from": from_}
    if words != _canonical_header(words[0], name, from_):
        out["header"] = words
    out["directives"] = _unstructure_nodes(section.body)
    return out


def _unstructure_conditional(cond: Conditional) -> dict[str, Any]:
    kinds = [branch.kind for branch in cond.branches]
    if not kinds or kinds[0] != ".if" or ".if" in kinds[1:] or ".else" in kinds[1:-1]:
        raise InvalidValue(f"cannot convert a .if block whose branches are {kinds}")
    first, *rest = cond.branches
    out: dict[str, Any] = {
        "if": _line_words(first.line)[1:],
        "body": _unstructure_nodes(first.body),
        "elif": [],
        "else": None,
    }
    for branch in rest:
        if branch.kind == ".elif":
            words = _line_words(branch.line)[1:]
            out["elif"].append({"if": words, "body": _unstructure_nodes(branch.body)})
        else:
            out["else"] = _unstructure_nodes(branch.body)
    return out


def _unstructure_scope(line: ScopeLine) -> dict[str, Any]:
    return {"scope": line.raw.strip()}


def _unstructure_line(line: Line) -> NoReturn:
    raise InvalidValue(f"cannot convert a {type(line).__name__} line: {line.raw!r}")


converter.register_unstructure_hook(Config, _unstructure_config)
converter.register_unstructure_hook(Section, _unstructure_section)
converter.register_unstructure_hook(Conditional, _unstructure_conditional)
converter.register_unstructure_hook(Directive, _line_words)
converter.register_unstructure_hook(ScopeLine, _unstructure_scope)
converter.register_unstructure_hook(Line, _unstructure_line)


# -- structuring ---------------------------------------------------------------


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
        pieces = _text_pieces(value)
        self.text = _encode(pieces)
        self.value = "".join(text for text, _ in pieces)
        self.raw = _render(pieces, path)

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
            texts = _canonical_header(keyword.text, name, from_)
            words = [keyword, *(_Word(t, path) for t in texts[1:])]
        texts = [w.text for w in words]
        read = dict(zip(("name", "from"), _header_fields(texts), strict=True))
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
        if texts != _canonical_header(keyword.text, read["name"], read["from"]):
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


def _structure_config(data: object, _: object) -> Config:
    writer = _Writer()
    expected = writer.config(data)
    try:
        cfg = parse("".join(writer.lines), filename="<from_dict>")
    except ParseError as err:  # pragma: no cover - the checks above prevent it
        _fail(writer.paths[err.line - 1], err.message)
    got = to_dict(cfg)
    if got != expected:  # pragma: no cover - the checks above prevent it
        _fail(_first_difference(expected, got, ""), "HAProxy would not read this back as written")
    return cfg


converter.register_structure_hook(Config, _structure_config)


__all__ = ["SCHEMA_VERSION", "converter", "from_dict", "to_dict"]
