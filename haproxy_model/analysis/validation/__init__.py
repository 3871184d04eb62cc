"""Validation: what HAProxy would reject or warn about, found without running it.

``validate(cfg, version=..., strict=...)`` returns every problem at once, in
file order, as :class:`~haproxy_model.base.diagnostics.Diagnostic` objects with the
line and column of the offending word.  Each check is a function registered with
the stable codes it reports (``@registry.registered("HM215")``); importing its
module registers it, and :func:`validate` runs those that ``select``/``ignore``
leave something to report.
"""

from __future__ import annotations

from collections.abc import Sequence

from haproxy_model.analysis.validation import (  # noqa: F401 (importing registers the checks)
    acls,
    advice,
    arguments,
    check_steps,
    fcgi,
    fetches,
    headers,
    inheritance,
    keywords,
    missing,
    order,
    references,
    registry,
    resolvers,
    subcommands,
    text,
    variables,
)
from haproxy_model.analysis.validation._context import Context
from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import InvalidType
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive


def validate(
    cfg: Config,
    *,
    version: str = "2.8",
    strict: bool = False,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> list[Diagnostic]:
    """Check ``cfg`` for HAProxy ``version`` (one of the keyword table's versions).

    The first word of every line must be one the version's parser of its section
    accepts (read from HAProxy's sources; words only some builds have are accepted).
    Without ``strict``, options and keywords HAProxy accepts but no manual documents
    are let through; with it they are errors.
    ``select`` keeps only the checks named (codes such as ``HM102`` or names such
    as ``unknown-keyword``), ``ignore`` drops those named; a line whose comment
    says ``haproxy-model: ignore[HM102]`` (or just ``haproxy-model: ignore``)
    gets no diagnostic of those checks (:mod:`.registry`).

    A configuration of several files (``hm.load_many``) is validated as one,
    each diagnostic placed in its own file at its own line.
    """
    if not isinstance(cfg, Config):
        raise InvalidType(f"validate() takes a Config, not {type(cfg).__name__}")
    if not isinstance(version, str):
        raise InvalidType(f"validate(version=...) takes a str such as '2.8', not {version!r}")
    ctx = Context(cfg, version, strict)
    for check in registry.active_checks(select, ignore):
        check.function(ctx)
    found = registry.filter_diagnostics(
        ctx.found, select=select, ignore=ignore, silenced=_inline_ignores(cfg)
    )
    found = sorted(found, key=lambda d: (d.line, d.column))
    if cfg.origins is not None:  # several files: each line's own file and number
        found = cfg.origins.relocate(cfg.body, found)
    return found


def _inline_ignores(cfg: Config) -> dict[int, frozenset[str]]:
    """``{line number: codes}`` of the ``# haproxy-model: ignore[...]`` comments."""
    out: dict[int, frozenset[str]] = {}
    for number, line in enumerate(cfg.lines(), start=1):
        if "haproxy-model" not in line.raw:
            continue
        comment = line.comment if isinstance(line, Directive) else line.raw
        codes = registry.inline_ignores(comment)
        if codes is not None:
            out[number] = codes
    return out


__all__ = ["validate"]
