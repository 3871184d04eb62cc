"""Near misses of known words are errors by default (HAProxy refuses them too); unknown
words that are no slip stay strict-only."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.analysis.validation.spelling import distance, near_miss

from .validate_support import DEFAULTS

H = DEFAULTS + ("frontend f\n    bind 127.0.0.1:23994\n    default_backend app\n")
SLIPS = [
    ("backned app\n    server s 127.0.0.1:1\n" + H, "unknown-section", "did you mean 'backend'"),
    (H + "backned app\n    server s 127.0.0.1:1\n", "unknown-keyword",
     "did you mean the section 'backend'"),
    (H + "backend app\n    server s 127.0.0.1:1 maxcon 10\n", "unknown-option",
     "did you mean 'maxconn'"),
    (H + "backend app\n    balanse roundrobin\n    server s 127.0.0.1:1\n", "unknown-keyword",
     "did you mean 'balance'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "code", "says"), SLIPS, ids=["section first", "section after", "option", "keyword"]
)
def test_slips_are_errors_haproxy_refuses(text: str, code: str, says: str) -> None:
    cfg = hm.parse(text)
    found = [d for d in hm.validate(cfg, version="2.6") if d.code == code]
    assert len(found) == 1 and says in found[0].message, found  # (and what follows from it)
    assert hm.haproxy.run_check(cfg).returncode == 1


def test_unknown_words_that_are_no_slip_are_refused_without_a_guess() -> None:
    # no version's sources accept it in a backend: HAProxy refuses it, with no guess
    text = H + "backend app\n    my-build-only-keyword on\n    server s 127.0.0.1:1\n"
    for strict in (False, True):
        found = hm.validate(hm.parse(text), strict=strict)
        assert [(d.code, d.message) for d in found] == [
            ("unknown-keyword", "unknown keyword 'my-build-only-keyword' in 'backend' section")
        ]
    # a word the version's sources accept is never taken for a slip of a documented one
    text = "global\n    tune.quic.frontend.max-idle-timeout 30s\n" + H
    text += "backend app\n    server s 127.0.0.1:1\n"
    assert hm.validate(hm.parse(text), version="2.6") == []


def test_near_miss_rules() -> None:
    assert distance("backned", "backend", 2) == 1  # a swap is one edit
    assert near_miss("maxcon", ["maxconn", "maxqueue"]) == "maxconn"
    assert near_miss("chec", ["check"]) is None  # too short to guess
    assert near_miss("abcdef", ["abcdeg", "abcdeh"]) is None  # two as close: no guess
