"""Generated texts round-trip byte for byte, and the fast path agrees with Lark."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.analysis.reference import parse_reference
from haproxy_model.syntax.words import decode, quote
from tests.strategies import config_text, word
from tests.treesig import signature

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(config_text())
def test_generated_text_round_trips(text: str) -> None:
    assert hm.dumps(hm.parse(text)) == text


@SETTINGS
@given(config_text())
def test_fast_path_agrees_with_plain_lark_parse(text: str) -> None:
    assert signature(hm.parse(text)) == signature(parse_reference(text))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_parse_error(text: str) -> None:
    try:
        cfg = hm.parse(text)
    except hm.ParseError:
        try:
            parse_reference(text)
        except hm.ParseError:
            return
        raise AssertionError("the fast path refused a text the grammar accepts") from None
    assert hm.dumps(cfg) == text
    assert signature(cfg) == signature(parse_reference(text))


@settings(max_examples=300, deadline=None)
@given(word)
def test_generated_words_decode(raw: str) -> None:
    cfg = hm.parse(f"global\n  log {raw}\n")
    directive = cfg.sections[0].directives()[0]
    assert [w.raw for w in directive.words] == ["log", raw]
    decode(raw)  # never raises on a valid word


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1).filter(lambda s: not set(s) & {"\n", "\r", "\x00"}))
def test_quote_reads_back_as_the_value(value: str) -> None:
    raw = quote(value)
    cfg = hm.parse(f"global\n  log {raw} tail\n")
    assert cfg.sections[0].directives()[0].args == [value, "tail"]
