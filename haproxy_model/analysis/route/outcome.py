"""What a walk through the rules gives: the steps that decided, where it stopped, how
the request ended."""

from __future__ import annotations

import attrs

from haproxy_model.analysis.route.sections import Line

__all__ = ["Ended", "Outcome", "Step", "Stop", "Undecided"]


@attrs.frozen
class Step:
    """A rule that took part in the answer: file, line and text as written."""

    file: str
    line: int
    text: str

    @classmethod
    def of(cls, line: Line) -> Step:
        return cls(line.file, line.number, line.text)


@attrs.frozen
class Undecided:
    """Where the walk had to stop, and why."""

    file: str
    line: int
    reason: str


class Stop(Exception):
    """The walk cannot go on: the answer depends on something not modelled."""

    def __init__(self, line: Line | None, reason: str) -> None:
        super().__init__(reason)
        self.undecided = Undecided(line.file if line else "", line.number if line else 0, reason)


@attrs.frozen
class Ended:
    """A rule answered the request itself."""

    action: str
    status: int | None


@attrs.define
class Outcome:
    backend: str | None = None
    action: str | None = None
    status: int | None = None
    steps: list[Step] = attrs.field(factory=list)
    undecided: Undecided | None = None
