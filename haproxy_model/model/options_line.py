"""Lines with positional words followed by options: the base of ``server`` and ``bind``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from haproxy_model.base.errors import InvalidType
from haproxy_model.model import line_options
from haproxy_model.model.fields import Field, fields_of
from haproxy_model.model.typed_directive import TypedDirective
from haproxy_model.syntax.words import Word


def option_name(python_name: str) -> str:
    """``check_ssl`` -> ``check-ssl``: keyword arguments name HAProxy options."""
    return python_name.replace("_", "-")


class OptionsLine(TypedDirective):
    """A line with positional words followed by options (``server``, ``bind``).

    A keyword argument of the constructor that names no field sets the option of
    that name (``check_ssl=True`` writes ``check-ssl``; True writes a flag, None
    and False write nothing); ``options={"check": True, "port": "81"}`` gives
    options by their HAProxy names, in order, as :meth:`to_dict` does (``port``
    there is the health-check port option, not the address's port).
    """

    __slots__ = ()

    OPTION_KIND: ClassVar[str] = "server"
    #: number of positional words after the keyword
    POSITIONAL: ClassVar[int] = 0

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

    def set_field(self, name: str, value: Any) -> None:
        """Set a field by name; ``options`` takes options by their HAProxy names, in order
        (what :meth:`to_dict` gives), each through its field's setter when it has one."""
        if name != "options":
            super().set_field(name, value)
            return
        if not isinstance(value, Mapping):
            raise InvalidType(f"options: expected a mapping of option names, got {value!r}")
        declared = self.option_fields()
        for option, option_value in value.items():
            if option in declared:
                setattr(self, declared[option].attr, option_value)
            else:
                self.set_undeclared(option, option_value)

    def set_undeclared(self, name: str, value: Any) -> None:
        if value is None or (isinstance(value, bool) and not value):
            return
        self.set_option(option_name(name), value if isinstance(value, (Word, bool)) else str(value))

    @classmethod
    def option_fields(cls) -> dict[str, Field]:
        """The declared option fields by option name (``"error-limit"``)."""
        return {f.option: f for f in fields_of(cls).values() if f.option}

    def other_data(self) -> dict[str, Any]:
        """``options``: every option in line order by its HAProxy name, typed when a field
        declares it (``{"check": True, "inter": "2s", "id": "4"}``); absent when none."""
        declared = self.option_fields()
        options = {
            name: declared[name].data(self) if name in declared else value
            for name, value in self.options.items()
        }
        return {"options": options} if options else {}


__all__ = ["OptionsLine", "option_name"]
