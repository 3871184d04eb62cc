"""Words: their raw text, their decoded value, and safe quoting of new values.

HAProxy cuts a line into words following its manual (section 2.2): backslash
escapes, weak "double" quoting (which expands ``$VAR`` and ``${VAR-default}``)
and strong 'single' quoting.  The patterns come from the grammar's terminals
(``grammar/haproxy.lark``), so this module only says what each piece means.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import attrs

from haproxy_model.base.errors import InvalidType, InvalidValue
from haproxy_model.syntax import _grammar

_SIMPLE_ESCAPES = {" ": " ", "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


@functools.lru_cache(maxsize=1)
def _word_pieces() -> re.Pattern[str]:
    t = _grammar.terminal_pattern
    return re.compile(
        f"(?P<bare>{t('BARE_RUN')})|(?P<esc>{t('ESCAPE')})|(?P<lone>{t('LONE_BACKSLASH')})"
        f"|(?P<sq>{t('SQUOTED')})|(?P<dq>{t('DQUOTE')})"
    )


@functools.lru_cache(maxsize=1)
def _dq_pieces() -> re.Pattern[str]:
    t = _grammar.terminal_pattern
    return re.compile(
        f"(?P<run>{t('DQ_RUN')})|(?P<esc>{t('DQ_ESCAPE')})|(?P<lone>{t('DQ_LONE_BACKSLASH')})"
        f"|(?P<env>{t('ENV_VAR')})|(?P<end>{t('DQUOTE')})"
    )


@functools.lru_cache(maxsize=1)
def _bare_word() -> re.Pattern[str]:
    return re.compile(_grammar.terminal_pattern("BARE_RUN"))


def _unescape(seq: str) -> str:
    """The character a backslash sequence stands for."""
    ch = seq[1]
    if ch == "x":
        code = int(seq[2:4], 16)
        # A byte above 0x7f is kept the way surrogateescape decodes a raw byte,
        # so it survives encoding the file back.
        return chr(code) if code < 0x80 else chr(0xDC00 + code)
    return _SIMPLE_ESCAPES.get(ch, ch)


@attrs.frozen
class Decoded:
    """A word's value, with the environment variables it names (kept as written).

    Two decoded words are equal when HAProxy reads them the same: ``"$A"`` and
    ``"${A}"`` are (``canonical`` writes every reference with braces).
    """

    value: str = attrs.field(eq=False)
    env_vars: tuple[str, ...] = ()
    canonical: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.canonical:
            object.__setattr__(self, "canonical", self.value)


def brace(ref: str) -> str:
    """``$NAME`` -> ``${NAME}``; braced references are returned as they are."""
    return ref if ref.startswith("${") else "${" + ref[1:] + "}"


def decode(raw: str) -> Decoded:
    """Decode one word's raw text (which must be a valid word) into its value.

    Environment variable references inside double quotes stay in the value as
    written (``${NAME-default}``) and are listed in ``env_vars``.
    """
    out: list[str] = []
    canon: list[str] = []
    env: list[str] = []
    for text, is_ref in _pieces(raw):
        out.append(text)
        if is_ref:
            canon.append(brace(text))
            env.append(_env_name(text))
        else:
            canon.append(text)
    return Decoded("".join(out), tuple(env), "".join(canon))


def _pieces(raw: str) -> Iterator[tuple[str, bool]]:
    """The pieces of a word in order: ``(text, False)`` for literal text (its value),
    ``(reference, True)`` for a variable reference as written."""
    pos = 0
    end = len(raw)
    word_pieces = _word_pieces()
    dq_pieces = _dq_pieces()
    while pos < end:
        m = word_pieces.match(raw, pos)
        if m is None:
            raise InvalidValue(f"not a valid HAProxy word: {raw!r}")
        pos = m.end()
        if m.lastgroup != "dq":
            yield _literal(m.lastgroup, m.group()), False
            continue
        while True:
            d = dq_pieces.match(raw, pos)
            if d is None:
                raise InvalidValue(f"not a valid HAProxy word: {raw!r}")
            pos = d.end()
            if d.lastgroup == "end":
                break
            if d.lastgroup == "env":
                yield d.group(), True
            else:
                yield _literal(d.lastgroup, d.group()), False


def _literal(kind: str | None, text: str) -> str:
    """The value of a literal piece of kind ``kind`` (a group of the piece patterns)."""
    if kind == "esc":
        return _unescape(text)
    if kind == "lone":
        return "\\"
    if kind == "sq":
        return text[1:-1]
    return text


def _env_name(ref: str) -> str:
    body = ref[2:-1] if ref.startswith("${") else ref[1:]
    return re.split(r"[\[\-]", body, maxsplit=1)[0]


_UNSAFE = re.compile(r"[\r\n\x00]")


def _check_safe(text: str, field: str) -> None:
    """Refuse what no configuration line can carry: a line break or a NUL."""
    bad = _UNSAFE.search(text)
    if bad is not None:
        raise InvalidValue(
            f"{field}: {bad.group()!r} at index {bad.start()} cannot be written into a "
            "configuration line"
        )


def quote(value: str | Word, *, field: str = "value") -> str:
    """Render ``value`` as one word HAProxy reads back as exactly ``value``.

    Bare when nothing needs protecting, else 'strong' quotes, else "weak"
    quotes with escapes.  Raises ``ValueError`` (naming ``field``) for what a
    single HAProxy word cannot carry safely: an empty value, a line break or
    a NUL.  A :class:`Word` is the caller's own spelling and is returned as it
    is, once checked to be exactly one word (so ``Word.env("T")`` writes
    ``"${T}"``, which HAProxy expands, where the string ``"${T}"`` is literal).
    """
    if isinstance(value, Word):
        return _one_word(value.raw, field)
    if not isinstance(value, str):
        raise InvalidType(f"{field}: expected a string, got {type(value).__name__}")
    if value == "":
        raise InvalidValue(f"{field}: HAProxy cannot take an empty word")
    _check_safe(value, field)
    if _bare_word().fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def _one_word(raw: str, field: str) -> str:
    """``raw`` if it reads as exactly one word in a line, else ``ValueError`` naming ``field``."""
    if not isinstance(raw, str):
        raise InvalidType(f"{field}: a Word's raw text must be a string, got {type(raw).__name__}")
    _check_safe(raw, field)
    # followed by a blank, as in a line: a trailing lone backslash would swallow it
    m = _grammar.compiled("WORD").match(raw + " ")
    if m is None or m.end() != len(raw):
        raise InvalidValue(f"{field}: {raw!r} is not exactly one HAProxy word")
    return raw


_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


def check_name(value: str, *, field: str = "name") -> str:
    """Check a proxy, server or ACL name against the characters HAProxy allows.

    HAProxy's ``invalid_char()`` accepts letters, digits, ``.``, ``_``, ``-``
    and ``:`` only.  Returns the name; raises ``ValueError`` naming ``field``.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidValue(
            f"{field}: {value!r} is not a valid HAProxy name (letters, digits, '.', '_', "
            "'-' and ':' only)"
        )
    return value


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# HAProxy takes a default as it is up to the first "}" (src/tools.c, parse_line)
_NOT_IN_DEFAULT = re.compile(r"[}\r\n\x00]")


@attrs.define(eq=False)
class Word:
    """One word of a directive: its raw text as written and its decoded value.

    Two words are equal when HAProxy reads them the same: ``'a b'`` and
    ``a\\ b`` are, ``"${T}"`` (a reference) and ``'${T}'`` (literal text) are not.
    Typed setters write a ``Word`` as it is (checked to be one word), where they
    quote a string so that HAProxy reads it literally.
    """

    raw: str

    @classmethod
    def from_value(cls, value: str, *, field: str = "value") -> Word:
        """A word that HAProxy reads as ``value`` (see :func:`quote`)."""
        return cls(quote(value, field=field))

    @classmethod
    def env(cls, name: str, default: str | None = None) -> Word:
        """``"${NAME}"``: HAProxy puts the environment variable's value there.

        With ``default``, ``"${NAME-default}"``: the default stands in when the
        variable is not set.  HAProxy takes a default's characters as they are
        up to the first ``}`` (a ``"`` does not end the quotes there, a ``$``
        refers to nothing, a backslash escapes nothing), so a default holding
        ``}``, a line break or a NUL raises ``ValueError``; so does a name that
        is not ``[A-Za-z_][A-Za-z0-9_]*``.
        """
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise InvalidValue(
                f"environment variable name {name!r}: letters, digits and '_' only, "
                "not starting with a digit"
            )
        if default is None:
            return cls(f'"${{{name}}}"')
        if not isinstance(default, str):
            raise InvalidType(
                f"default of ${name}: expected a string, got {type(default).__name__}"
            )
        bad = _NOT_IN_DEFAULT.search(default)
        if bad is not None:
            raise InvalidValue(
                f"default of ${name}: {bad.group()!r} at index {bad.start()} cannot be part of "
                "a variable's default (HAProxy reads a default up to the first '}')"
            )
        return cls(f'"${{{name}-{default}}}"')

    @property
    def value(self) -> str:
        """The word as HAProxy sees it (quotes and escapes resolved)."""
        if _needs_decoding(self.raw):
            return decode(self.raw).value
        return self.raw

    def decoded(self) -> Decoded:
        """The value with its references (see :class:`Decoded`)."""
        return decode(self.raw) if '"' in self.raw else Decoded(self.value)

    @property
    def canonical(self) -> str:
        """The value with every variable reference braced (``"$A"`` -> ``${A}``)."""
        return self.decoded().canonical

    @property
    def env_vars(self) -> tuple[str, ...]:
        """Names of the environment variables the word refers to."""
        return self.decoded().env_vars

    def settable(self) -> str | Word:
        """What a setter takes to write this word again: its value when it refers to
        no variable (an equal word already in the line keeps its spelling), else itself."""
        return self if self.env_vars else self.value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Word):
            return self.decoded() == other.decoded()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.decoded())

    def __str__(self) -> str:
        return self.raw


def text_of(value: str | Word) -> str:
    """The value HAProxy reads from a string or a :class:`Word` (references as written)."""
    if isinstance(value, Word):
        return value.value
    if not isinstance(value, str):
        raise InvalidType(f"expected a string or a Word, got {type(value).__name__}")
    return value


def concat(*parts: str | Word, field: str = "value") -> str | Word:
    """One word reading as ``parts`` one after the other (``host``, ``":"``, ``port``).

    All strings: their concatenation, a string.  Else a :class:`Word` spelling
    each string so that HAProxy reads it literally and each Word as it is.
    """
    if all(isinstance(p, str) for p in parts):
        return "".join(text_of(p) for p in parts)
    return Word("".join(quote(p, field=field) for p in parts if p != ""))


def cut(word: Word, start: int, end: int | None = None) -> str | Word:
    """The part of ``word`` whose value is ``word.value[start:end]``, ready to be set again.

    A string when that part refers to no variable, else a :class:`Word` that
    keeps its references; ``ValueError`` when the cut falls inside a reference.
    """
    stop = len(word.value) if end is None else end
    raws: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            raws.append(quote("".join(literal)))
            literal.clear()

    pos = 0
    for text, is_ref in _pieces(word.raw):
        lo, hi = pos, pos + len(text)
        pos = hi
        if max(lo, start) >= min(hi, stop):
            continue
        if not is_ref:
            literal.append(text[max(lo, start) - lo : min(hi, stop) - lo])
            continue
        if lo < start or hi > stop:
            raise InvalidValue(f"{word.raw}: cannot cut inside the reference {text}")
        flush()
        raws.append(f'"{text}"')
    if not raws:
        return "".join(literal)
    flush()
    return Word("".join(raws))


def _needs_decoding(raw: str) -> bool:
    return "\\" in raw or '"' in raw or "'" in raw


def value_of(raw: str) -> str:
    """The decoded value of a raw word (fast when it has no quotes or escapes)."""
    if _needs_decoding(raw):
        return decode(raw).value
    return raw
