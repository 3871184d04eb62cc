"""One clear line for a name that is not there, with the nearest known one."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from haproxy_model.base.errors import NotFound

__all__ = ["not_found"]


def not_found(what: str, name: str, known: Sequence[str]) -> NotFound:
    """``NotFound("<what> 'name'; did you mean 'x'?")``, or the known names when none is near."""
    message = f"{what} {name!r}"
    near = difflib.get_close_matches(name, list(dict.fromkeys(known)), n=1, cutoff=0.6)
    if near:
        message += f"; did you mean {near[0]!r}?"
    elif known:
        shown = sorted(set(known))
        more = f", ... ({len(shown)} in all)" if len(shown) > 8 else ""
        message += f" (known: {', '.join(shown[:8])}{more})"
    else:
        message += " (there is none)"
    return NotFound(message)
