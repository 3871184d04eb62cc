"""Typed directives: the lines people edit, each a view over its own words.

Every class here is a :class:`~haproxy_model.syntax.nodes.Directive`: it keeps the
line's exact text and reads and writes through its words, so an edit changes
that one line and keeps its comment, its spacing and the order of the other
options.  Building one from keyword arguments gives a conventionally
formatted line (four-space indent).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, TypeVar, overload

import attrs

from haproxy_model.base.errors import InvalidType
from haproxy_model.base.values import Size, Time, is_size, is_time
from haproxy_model.model import line_options
from haproxy_model.syntax.nodes import DEFAULT_INDENT, Directive
from haproxy_model.syntax.words import Word, check_name, concat, cut, quote, text_of

T = TypeVar("T")


def option_name(python_name: str) -> str:
    """``check_ssl`` -> ``check-ssl``: keyword arguments name HAProxy options."""
    return python_name.replace("_", "-")


def int_or_text(text: str) -> int | str:
    """``text`` as an int, or as it is when it is not one (``"${MAXCONN}"``)."""
    try:
        return int(text)
    except ValueError:
        return text


def time_or_text(text: str) -> Time | str:
    """``text`` as a :class:`Time`, or as it is when it is not a literal time (``"${T}"``)."""
    try:
        return Time.parse(text)
    except ValueError:
        return text


class OptionField(Generic[T]):
    """A typed accessor of one option on a ``server``/``bind`` line.

    Reading gives the typed value, or the value's text when it is not a literal
    of that type (a variable reference, say); writing takes the typed value, or
    a :class:`~haproxy_model.syntax.words.Word` written as it is (``Word.env("INTER")``).
    """

    def __init__(self, option: str) -> None:
        self.option = option

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> OptionField[T]: ...
    @overload
    def __get__(self, obj: OptionsLine, owner: type[Any]) -> T | str | None: ...
    def __get__(self, obj: OptionsLine | None, owner: type[Any]) -> OptionField[T] | T | str | None:
        if obj is None:
            return self
        raw = obj.get_option(self.option)
        if raw is None:
            return None
        return self.convert(raw)

    def __set__(self, obj: OptionsLine, value: T | Word | None) -> None:
        if value is None:
            obj.remove_option(self.option)
        else:
            obj.set_option(self.option, value if isinstance(value, Word) else self.render(value))

    def convert(self, raw: str | bool) -> T | str:
        """Turn the option's value into the typed value (its text when it is not one)."""
        raise NotImplementedError

    def render(self, value: T) -> str | bool:
        """Turn a typed value into the option's value (True for a bare flag)."""
        raise NotImplementedError


class FlagField(OptionField[bool]):
    """A flag such as ``check`` or ``backup``: True when present."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> FlagField: ...
    @overload
    def __get__(self, obj: OptionsLine, owner: type[Any]) -> bool: ...
    def __get__(self, obj: OptionsLine | None, owner: type[Any]) -> FlagField | bool:
        if obj is None:
            return self
        return obj.get_option(self.option) is not None

    def __set__(self, obj: OptionsLine, value: bool | Word | None) -> None:
        if isinstance(value, Word):
            raise InvalidType(f"{self.option} is a flag: set True or False, not a word")
        if value:
            obj.set_option(self.option, True)
        else:
            obj.remove_option(self.option)


class IntField(OptionField[int]):
    """An option whose value is an integer (``maxconn 32``)."""

    def convert(self, raw: str | bool) -> int | str:
        return int_or_text(str(raw))

    def render(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidType(f"{self.option}: expected an int, got {value!r}")
        return str(value)


class TimeField(OptionField[Time]):
    """An option whose value is a time (``inter 2s``)."""

    def convert(self, raw: str | bool) -> Time | str:
        return time_or_text(str(raw))

    def render(self, value: Time | str | int) -> str:
        return str(Time.parse(value))

    def __set__(self, obj: OptionsLine, value: Time | str | int | Word | None) -> None:
        if isinstance(value, (str, int)):
            value = Time.parse(value)
        super().__set__(obj, value)


class StrField(OptionField[str]):
    """An option whose value is a word (``verify none``)."""

    def convert(self, raw: str | bool) -> str:
        return str(raw)

    def render(self, value: str) -> str:
        return str(value)


@attrs.define(eq=False, repr=False, init=False)
class OptionsLine(Directive):
    """A line with positional words followed by options (``server``, ``bind``)."""

    OPTION_KIND: ClassVar[str] = "server"
    #: number of positional words after the keyword
    POSITIONAL: ClassVar[int] = 0

    def __init__(self, raw: str = "", *, newline: str = "\n") -> None:
        self.__attrs_init__(raw, newline=newline)

    def _setup(
        self,
        raw: str | None,
        *,
        newline: str,
        fields_given: bool,
        words: Callable[[], Sequence[str | Word]],
        indent: str,
        comment: str | None,
    ) -> None:
        """Adopt a parsed line (``raw``), or build one from ``words()`` conventionally."""
        if raw is not None:
            if fields_given:
                raise InvalidType("give either a raw line or fields, not both")
            self.__attrs_init__(raw, newline=newline)
            return
        built = Directive.from_values(words(), indent=indent, comment=comment, newline=newline)
        self.__attrs_init__(built.raw, newline=newline)

    def _spans(self) -> tuple[list[str], list[line_options.OptionSpan]]:
        values = self.values
        return values, line_options.scan(self.OPTION_KIND, values, 1 + self.POSITIONAL)

    @property
    def options(self) -> dict[str, str | bool]:
        """Every option in order: its value, or True for a flag."""
        values, spans = self._spans()
        return {
            s.name: (values[s.value_index] if s.value_index is not None else True) for s in spans
        }

    def get_option(self, name: str) -> str | bool | None:
        """An option's value (True for a flag), or None when absent (the last one wins)."""
        values, spans = self._spans()
        for span in reversed(spans):
            if span.name == name:
                return values[span.value_index] if span.value_index is not None else True
        return None

    def set_option(self, name: str, value: str | Word | bool) -> None:
        """Set an option in place, or append it at the end of the line (True: a flag)."""
        word = None if value is True else value
        if isinstance(word, bool):
            raise InvalidType(f"{name}: set True or a value (remove_option drops it)")
        values, spans = self._spans()
        found = [s for s in spans if s.name == name]
        if not found:
            self.insert_words(len(values), [name] if word is None else [name, word], field=name)
            return
        span = found[-1]
        if word is None:
            if span.value_index is not None:
                self.remove_words(span.value_index)
        elif span.value_index is None:
            self.insert_word(span.index + 1, word, field=name)
        else:
            self.set_word(span.value_index, word, field=name)

    def remove_option(self, name: str) -> None:
        """Remove every occurrence of an option and its value."""
        while True:
            _, spans = self._spans()
            found = [s for s in spans if s.name == name]
            if not found:
                return
            span = found[-1]
            self.remove_words(span.index, 2 if span.value_index is not None else 1)

    @classmethod
    def _option_words(cls, options: dict[str, Any]) -> list[str | Word]:
        words: list[str | Word] = []
        for key, value in options.items():
            if value is None or value is False:
                continue
            name = option_name(key)
            if value is True:
                words.append(name)
            elif isinstance(value, bool):
                continue
            else:
                words += [name, value if isinstance(value, Word) else str(value)]
        return words


# a port, a range, an offset, or a variable reference (``${PORT-8080}`` too)
_PORT = re.compile(r"[0-9]*(?:-[0-9]+)?|[+-][0-9]+|\$\{?[A-Za-z_][A-Za-z0-9_]*(?:-[^}:]*)?\}?")


def split_address(text: str) -> tuple[str, str | None]:
    """``"10.0.0.1:80"`` -> ``("10.0.0.1", "80")``; ``"[::1]:80"``; no port -> None."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0:
            rest = text[end + 1 :]
            return text[1:end], rest[1:] if rest.startswith(":") else None
    host, sep, port = text.rpartition(":")
    if (
        sep
        and (host.count(":") == 0 or host.startswith(("ipv6@", "ipv4@")))
        and _PORT.fullmatch(port)
    ):
        return host, port
    return text, None


def join_address(host: str | Word, port: int | str | Word | None) -> str | Word:
    """The inverse of :func:`split_address` (a Word part makes the result a Word)."""
    if port is None:
        return host
    text = text_of(host)
    bracket = ":" in text and "@" not in text and not text.startswith("[")
    parts = ["[", host, "]"] if bracket else [host]
    return concat(*parts, ":", port if isinstance(port, Word) else str(port), field="address")


def address_parts(word: Word) -> tuple[str | Word, str | Word | None]:
    """An address word's host and port, each ready to be set again (references kept)."""
    value = word.value
    host, port = split_address(value)
    start = 1 if value.startswith("[") and value[1 : 1 + len(host)] == host else 0
    return (
        cut(word, start, start + len(host)),
        None if port is None else cut(word, len(value) - len(port)),
    )


def _port_value(port: str | None) -> int | str | None:
    if port is None or port == "":
        return None
    return int(port) if port.isdigit() else port


@attrs.define(eq=False, repr=False, init=False)
class Server(OptionsLine):
    """``server <name> <address>[:port] [options...]``."""

    KEYWORD: ClassVar[str] = "server"
    POSITIONAL: ClassVar[int] = 2

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        name: str | None = None,
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        def words() -> list[str | Word]:
            if name is None or address is None:
                raise InvalidType(f"{self.KEYWORD}: name and address are required")
            check_name(name, field="name")
            addr = join_address(address, port)
            quote(addr, field="address")
            return [self.KEYWORD, name, addr, *self._option_words(options)]

        self._setup(
            raw,
            newline=newline,
            fields_given=name is not None or address is not None or bool(options),
            words=words,
            indent=indent,
            comment=comment,
        )

    @property
    def name(self) -> str:
        """The server's name."""
        return self.values[1]

    @name.setter
    def name(self, value: str) -> None:
        self.set_word(1, check_name(value, field="name"), field="name")

    # the address is the last positional word (2 for server, 3 for server-template)

    @property
    def address(self) -> str:
        """The address without the port (``"10.0.0.9"``, ``"unix@/run/s.sock"``)."""
        i = self.POSITIONAL
        return split_address(self.values[i])[0] if len(self.values) > i else ""

    @address.setter
    def address(self, value: str | Word) -> None:
        i = self.POSITIONAL
        self.set_word(i, join_address(value, address_parts(self.words[i])[1]), field="address")

    @property
    def port(self) -> int | str | None:
        """The port: an int, a range or offset text (``"+1000"``), or None."""
        i = self.POSITIONAL
        return _port_value(split_address(self.values[i])[1]) if len(self.values) > i else None

    @port.setter
    def port(self, value: int | str | Word | None) -> None:
        i = self.POSITIONAL
        self.set_word(i, join_address(address_parts(self.words[i])[0], value), field="port")

    check = FlagField("check")
    check_ssl = FlagField("check-ssl")
    backup = FlagField("backup")
    disabled = FlagField("disabled")
    ssl = FlagField("ssl")
    send_proxy = FlagField("send-proxy")
    send_proxy_v2 = FlagField("send-proxy-v2")
    inter = TimeField("inter")
    fastinter = TimeField("fastinter")
    downinter = TimeField("downinter")
    slowstart = TimeField("slowstart")
    rise = IntField("rise")
    fall = IntField("fall")
    maxconn = IntField("maxconn")
    maxqueue = IntField("maxqueue")
    minconn = IntField("minconn")
    weight = IntField("weight")
    error_limit = IntField("error-limit")
    verify = StrField("verify")
    sni = StrField("sni")
    resolvers = StrField("resolvers")
    init_addr = StrField("init-addr")
    on_error = StrField("on-error")
    observe = StrField("observe")
    track = StrField("track")
    cookie = StrField("cookie")
    ca_file = StrField("ca-file")
    crt = StrField("crt")
    alpn = StrField("alpn")
    proto = StrField("proto")


@attrs.define(eq=False, repr=False, init=False)
class DefaultServer(Server):
    """``default-server [options...]``: defaults for the servers of a proxy."""

    KEYWORD: ClassVar[str] = "default-server"
    POSITIONAL: ClassVar[int] = 0

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        self._setup(
            raw,
            newline=newline,
            fields_given=bool(options),
            words=lambda: [self.KEYWORD, *self._option_words(options)],
            indent=indent,
            comment=comment,
        )

    @property
    def name(self) -> str:
        """A default-server has no name."""
        return ""

    @name.setter
    def name(self, value: str) -> None:
        raise AttributeError("a default-server has no name")

    @property
    def address(self) -> str:
        """A default-server has no address."""
        return ""

    @address.setter
    def address(self, value: str | Word) -> None:
        raise AttributeError("a default-server has no address")

    @property
    def port(self) -> int | str | None:
        """A default-server has no port."""
        return None

    @port.setter
    def port(self, value: int | str | Word | None) -> None:
        raise AttributeError("a default-server has no port")


@attrs.define(eq=False, repr=False, init=False)
class ServerTemplate(Server):
    """``server-template <prefix> <num | range> <fqdn>[:port] [options...]``."""

    KEYWORD: ClassVar[str] = "server-template"
    POSITIONAL: ClassVar[int] = 3

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        name: str | None = None,
        count: int | str | Word | None = None,
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        def words() -> list[str | Word]:
            if name is None or count is None or address is None:
                raise InvalidType("server-template: name (prefix), count and address are required")
            addr = join_address(address, port)
            number = count if isinstance(count, Word) else str(count)
            return [self.KEYWORD, name, number, addr, *self._option_words(options)]

        self._setup(
            raw,
            newline=newline,
            fields_given=name is not None or address is not None or bool(options),
            words=words,
            indent=indent,
            comment=comment,
        )

    @property
    def count(self) -> str:
        """How many servers: ``"5"`` or a range ``"1-5"``."""
        return self.values[2]


@attrs.define(eq=False, repr=False, init=False)
class Bind(OptionsLine):
    """``bind <address>[:port_range] [, ...] [options...]``."""

    OPTION_KIND: ClassVar[str] = "bind"
    POSITIONAL: ClassVar[int] = 1

    def __init__(
        self,
        raw: str | None = None,
        *,
        newline: str = "\n",
        address: str | Word | None = None,
        port: int | str | Word | None = None,
        indent: str = DEFAULT_INDENT,
        comment: str | None = None,
        **options: Any,
    ) -> None:
        self._setup(
            raw,
            newline=newline,
            fields_given=address is not None or bool(options),
            words=lambda: ["bind", join_address(address or "", port), *self._option_words(options)],
            indent=indent,
            comment=comment,
        )

    @property
    def addresses(self) -> list[str]:
        """Each address of the comma-separated list, port included."""
        return [a for a in self.values[1].split(",") if a] if len(self.values) > 1 else []

    @property
    def address(self) -> str:
        """The first address without its port."""
        addrs = self.addresses
        return split_address(addrs[0])[0] if addrs else ""

    @property
    def port(self) -> int | str | None:
        """The first address's port or port range."""
        addrs = self.addresses
        return _port_value(split_address(addrs[0])[1]) if addrs else None

    ssl = FlagField("ssl")
    accept_proxy = FlagField("accept-proxy")
    transparent = FlagField("transparent")
    v4v6 = FlagField("v4v6")
    crt = StrField("crt")
    alpn = StrField("alpn")
    name = StrField("name")
    maxconn = IntField("maxconn")
    mode = StrField("mode")
    verify = StrField("verify")


_CONDITIONS = ("if", "unless")


def _split_condition(values: Sequence[str], start: int) -> tuple[list[str], str | None, list[str]]:
    for i in range(start, len(values)):
        if values[i] in _CONDITIONS:
            return list(values[start:i]), values[i], list(values[i + 1 :])
    return list(values[start:]), None, []


@attrs.define(eq=False, repr=False)
class Acl(Directive):
    """``acl <name> <criterion> [flags] [operator] <value> ...``."""

    @property
    def name(self) -> str:
        """The ACL's name."""
        return self.value_at(1)

    @property
    def criterion(self) -> str:
        """The sample fetch (``path_beg``, ``hdr(host)``, ...)."""
        return self.value_at(2)

    @property
    def patterns(self) -> list[str]:
        """Flags, operator and values after the criterion."""
        return self.values[3:]


@attrs.define(eq=False, repr=False)
class Rule(Directive):
    """A rule: ``http-request``, ``http-response``, ``http-after-response``,
    ``tcp-request``, ``tcp-response`` (``<family> [<set>] <action> [args] [if|unless cond]``)."""

    @property
    def family(self) -> str:
        """The rule keyword: ``http-request``, ``tcp-request``, ..."""
        return self.keyword

    @property
    def rule_set(self) -> str | None:
        """For tcp rules: ``connection``, ``session`` or ``content``; else None."""
        values = self.values
        if (
            self.keyword.startswith("tcp-")
            and len(values) > 2
            and values[1]
            in (
                "connection",
                "session",
                "content",
            )
        ):
            return values[1]
        return None

    @property
    def action_index(self) -> int:
        """The index of the action word (1, or 2 after a rule set such as ``content``)."""
        return 2 if self.rule_set else 1

    @property
    def action(self) -> str:
        """The action (``set-header``, ``deny``, ``accept``, ...)."""
        return self.value_at(self.action_index)

    @property
    def arguments(self) -> list[str]:
        """The action's arguments, before any condition."""
        return _split_condition(self.values, self.action_index + 1)[0]

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = _split_condition(self.values, self.action_index + 1)
        return (kind, words) if kind else None


@attrs.define(eq=False, repr=False)
class UseBackend(Directive):
    """``use_backend <backend> [{if | unless} <condition>]`` (also ``use-server``)."""

    @property
    def target(self) -> str:
        """The backend (or server) it names."""
        return self.value_at(1)

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = _split_condition(self.values, 2)
        return (kind, words) if kind else None


def timeout_word(value: Time | str | int | Word) -> str | Word:
    """What a timeout is set to: a Word as it is, a checked time's text, or a string
    holding ``$`` as it is (HAProxy reads it literally; ``Word.env`` makes a reference)."""
    if isinstance(value, Word) or (isinstance(value, str) and "$" in value):
        return value
    return str(Time.parse(value))


@attrs.define(eq=False, repr=False)
class Timeout(Directive):
    """``timeout <kind> <value>``."""

    @property
    def kind(self) -> str:
        """``connect``, ``client``, ``server``, ``queue``, ``http-request``, ..."""
        return self.value_at(1)

    @property
    def value(self) -> Time | str:
        """The time (a :class:`Time`; the raw text when it is not a literal time)."""
        return time_or_text(self.value_at(2))

    @value.setter
    def value(self, value: Time | str | int | Word) -> None:
        text = timeout_word(value)
        if len(self.values) > 2:
            self.set_word(2, text, field=f"timeout {self.kind}")
        else:
            self.insert_word(2, text, field=f"timeout {self.kind}")


@attrs.define(eq=False, repr=False)
class Option(Directive):
    """``[no] option <name> [args...]``."""

    def _offset(self) -> int:
        values = self.values
        return 1 if values and values[0] in ("no", "default") else 0

    @property
    def negated(self) -> bool:
        """True for ``no option ...``."""
        return self.values[:1] == ["no"]

    @property
    def name(self) -> str | None:
        """The option's name (``httplog``), or None if this is not an option line."""
        values = self.values
        i = self._offset()
        if len(values) > i + 1 and values[i] == "option":
            return values[i + 1]
        return None

    @property
    def arguments(self) -> list[str]:
        """Words after the option's name."""
        return self.values[self._offset() + 2 :]


@attrs.define(eq=False, repr=False)
class Log(Directive):
    """``log <target> [len <n>] [format <f>] [sample <r>:<s>] <facility> [<level> [<min>]]``,
    ``log global`` or ``no log``."""

    @property
    def target(self) -> str:
        """The address, ``stdout``/``stderr``, a ring, or ``global``."""
        values = self.values
        return values[1] if len(values) > 1 and values[0] == "log" else ""

    @property
    def is_global(self) -> bool:
        """True for ``log global`` (use the global section's loggers)."""
        return self.target == "global"

    @property
    def facility(self) -> str | None:
        """The syslog facility (``local0``...), if given."""
        values = self.values[2:]
        i = 0
        while i < len(values) and values[i] in ("len", "format", "sample", "profile"):
            i += 2
        return values[i] if i < len(values) else None


@attrs.define(eq=False, repr=False)
class HttpCheck(Directive):
    """``http-check <action> [args...]`` (``send``, ``expect``, ``connect``, ...)."""

    @property
    def action(self) -> str:
        """The action: ``expect``, ``send``, ``connect``, ``disable-on-404``, ..."""
        return self.value_at(1)

    @property
    def arguments(self) -> list[str]:
        """The words after the action."""
        return self.values[2:]


@attrs.define(eq=False, repr=False)
class StickTable(Directive):
    """``stick-table type <type> [len|size|expire|nopurge|peers|store ...]``."""

    @property
    def type(self) -> str | None:
        """``ip``, ``ipv6``, ``integer``, ``string``, ``binary``."""
        return self.value_after("type")

    @property
    def size(self) -> Size | None:
        """The number of entries (with k/m/g units)."""
        raw = self.value_after("size")
        return Size.parse(raw) if raw is not None and is_size(raw) else None

    @property
    def expire(self) -> Time | None:
        """How long an entry lives."""
        raw = self.value_after("expire")
        return Time.parse(raw) if raw is not None and is_time(raw) else None

    @property
    def peers(self) -> str | None:
        """The peers section the table is replicated with."""
        return self.value_after("peers")

    @property
    def store(self) -> list[str]:
        """The stored data types (comma-separated lists joined)."""
        raw = self.value_after("store")
        return raw.split(",") if raw else []


@attrs.define(eq=False, repr=False)
class Stick(Directive):
    """``stick match|on|store-request|store-response <pattern> [table <t>] [if|unless ...]``."""

    @property
    def kind(self) -> str:
        """``match``, ``on``, ``store-request`` or ``store-response``."""
        return self.value_at(1)

    @property
    def pattern(self) -> str:
        """The sample expression."""
        return self.value_at(2)

    @property
    def table(self) -> str | None:
        """The table named after ``table``, or None (this proxy's own)."""
        return self.value_after("table", 3)

    @property
    def condition(self) -> tuple[str, list[str]] | None:
        """``("if" | "unless", words)`` or None."""
        _, kind, words = _split_condition(self.values, 3)
        return (kind, words) if kind else None


@attrs.define(eq=False, repr=False)
class Errorfile(Directive):
    """``errorfile <code> <file>``."""

    @property
    def code(self) -> int | None:
        """The HTTP status code."""
        values = self.values
        return int(values[1]) if len(values) > 1 and values[1].isdigit() else None

    @property
    def file(self) -> str:
        """The file HAProxy serves for that status."""
        return self.value_at(2)


@attrs.define(eq=False, repr=False)
class Stats(Directive):
    """``stats <sub-keyword> [args...]`` (``socket``, ``uri``, ``enable``, ``auth``, ...)."""

    @property
    def sub_keyword(self) -> str:
        """``socket``, ``uri``, ``enable``, ``timeout``, ..."""
        return self.value_at(1)

    @property
    def arguments(self) -> list[str]:
        """The words after the sub-keyword."""
        return self.values[2:]


def iter_options(line: OptionsLine) -> Iterator[tuple[str, str | bool]]:
    """Each option of a line with its value (True for a flag)."""
    yield from line.options.items()


#: first word of a line -> typed class the parser builds for it
DIRECTIVE_CLASSES: dict[str, type[Directive]] = {
    "server": Server,
    "default-server": DefaultServer,
    "server-template": ServerTemplate,
    "bind": Bind,
    "acl": Acl,
    "http-request": Rule,
    "http-response": Rule,
    "http-after-response": Rule,
    "tcp-request": Rule,
    "tcp-response": Rule,
    "use_backend": UseBackend,
    "use-server": UseBackend,
    "timeout": Timeout,
    "option": Option,
    "no": Option,
    "default": Option,
    "log": Log,
    "http-check": HttpCheck,
    "stick-table": StickTable,
    "stick": Stick,
    "errorfile": Errorfile,
    "stats": Stats,
}

__all__ = [
    "DIRECTIVE_CLASSES",
    "Acl",
    "Bind",
    "DefaultServer",
    "Errorfile",
    "HttpCheck",
    "Log",
    "Option",
    "OptionsLine",
    "Rule",
    "Server",
    "ServerTemplate",
    "Size",
    "Stats",
    "Stick",
    "StickTable",
    "Timeout",
    "UseBackend",
]
