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

from collections.abc import Mapping
from typing import Any

import cattrs

from haproxy_model.base.errors import Error, InvalidType, InvalidValue
from haproxy_model.io.config_to_dict import SCHEMA_VERSION, register_unstructure_hooks
from haproxy_model.io.dict_to_config import register_structure_hook
from haproxy_model.model.config import Config

converter = cattrs.Converter()
"""The converter behind :func:`to_dict` and :func:`from_dict`."""
register_unstructure_hooks(converter)
register_structure_hook(converter)


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
        messages = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) \
            else [str(exc)]  # fmt: skip
        raise InvalidValue(f"from_dict(): {'; '.join(messages)}") from exc
    return result


__all__ = ["SCHEMA_VERSION", "converter", "from_dict", "to_dict"]
