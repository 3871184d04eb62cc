"""Lines with positional words followed by options: the base of ``server`` and ``bind``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import attrs

from haproxy_model.errors import InvalidType
from haproxy_model.model import line_options
from haproxy_model.nodes import Directive
from haproxy_model.words import Word


def option_name(python_name: str) -> str:
    """``check_ssl`` -> ``check-ssl``: keyword arguments name HAProxy options."""
    return python_name.replace("_", "-")


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


__all__ = ["OptionsLine", "option_name"]
