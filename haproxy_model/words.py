"""Words: their raw text, their decoded value, and safe quoting of new values.

HAProxy cuts a line into words following its manual (section 2.2): backslash
escapes, weak "double" quoting (which expands ``$VAR`` and ``${VAR-default}``)
and strong 'single' quoting.  The patterns come from the grammar's terminals
(``grammar/haproxy.lark``), so this module only says what each piece means.
"""

from __future__ import annotations

import functools
import re

import attrs

from haproxy_model import _grammar

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
    pos = 0
    end = len(raw)
    word_pieces = _word_pieces()
    dq_pieces = _dq_pieces()
    while pos < end:
        m = word_pieces.match(raw, pos)
        if m is None:
            raise ValueError(f"not a valid HAProxy word: {raw!r}")
        kind = m.lastgroup
        pos = m.end()
        if kind == "bare":
            out.append(m.group())
        elif kind == "esc":
            out.append(_unescape(m.group()))
        elif kind == "lone":
            out.append("\\")
        elif kind == "sq":
            out.append(m.group()[1:-1])
        else:
            while True:
                d = dq_pieces.match(raw, pos)
                if d is None:
                    raise ValueError(f"not a valid HAProxy word: {raw!r}")
                pos = d.end()
                dkind = d.lastgroup
                if dkind == "end":
                    break
                if dkind == "run":
                    out.append(d.group())
                elif dkind == "esc":
                    out.append(_unescape(d.group()))
                elif dkind == "lone":
                    out.append("\\")
                else:
                    ref = d.group()
                    out.append(ref)
                    canon.append(brace(ref))
                    env.append(_env_name(ref))
                    continue
                canon.append(out[-1])
            continue
        canon.append(out[-1])
    return Decoded("".join(out), tuple(env), "".join(canon))


def _env_name(ref: str) -> str:
    body = ref[2:-1] if ref.startswith("${") else ref[1:]
    return re.split(r"[\[\-]", body, maxsplit=1)[0]


_UNSAFE = re.compile(r"[\r\n\x00]")


def quote(value: str, *, field: str = "value") -> str:
    """Render ``value`` as one word HAProxy reads back as exactly ``value``.

    Bare when nothing needs protecting, else 'strong' quotes, else "weak"
    quotes with escapes.  Raises ``ValueError`` (naming ``field``) for what a
    single HAProxy word cannot carry safely: an empty value, a line break or
    a NUL.
    """
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a string, got {type(value).__name__}")
    if value == "":
        raise ValueError(f"{field}: HAProxy cannot take an empty word")
    bad = _UNSAFE.search(value)
    if bad is not None:
        raise ValueError(
            f"{field}: {bad.group()!r} at index {bad.start()} cannot be written into a "
            "configuration line"
        )
    if _bare_word().fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


def check_name(value: str, *, field: str = "name") -> str:
    """Check a proxy, server or ACL name against the characters HAProxy allows.

    HAProxy's ``invalid_char()`` accepts letters, digits, ``.``, ``_``, ``-``
    and ``:`` only.  Returns the name; raises ``ValueError`` naming ``field``.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(
            f"{field}: {value!r} is not a valid HAProxy name (letters, digits, '.', '_', "
            "'-' and ':' only)"
        )
    return value


@attrs.define(eq=False)
class Word:
    """One word of a directive: its raw text as written and its decoded value."""

    raw: str

    @classmethod
    def from_value(cls, value: str, *, field: str = "value") -> Word:
        """A word that HAProxy reads as ``value`` (see :func:`quote`)."""
        return cls(quote(value, field=field))

    @property
    def value(self) -> str:
        """The word as HAProxy sees it (quotes and escapes resolved)."""
        if _needs_decoding(self.raw):
            return decode(self.raw).value
        return self.raw

    @property
    def canonical(self) -> str:
        """The value with every variable reference braced (``"$A"`` -> ``${A}``)."""
        if '"' not in self.raw:
            return self.value
        return decode(self.raw).canonical

    @property
    def env_vars(self) -> tuple[str, ...]:
        """Names of the environment variables the word refers to."""
        if '"' not in self.raw:
            return ()
        return decode(self.raw).env_vars

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Word):
            return self.value == other.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return self.raw


def _needs_decoding(raw: str) -> bool:
    return "\\" in raw or '"' in raw or "'" in raw


def value_of(raw: str) -> str:
    """The decoded value of a raw word (fast when it has no quotes or escapes)."""
    if _needs_decoding(raw):
        return decode(raw).value
    return raw
