"""Any value we write is read back by the real HAProxy as exactly that value, or refused."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import haproxy_model as hm

# printable characters HAProxy echoes back unchanged in a .notice message
VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(["é", "\t"]),
    min_size=1,
    max_size=30,
)


def _notices(text: str, binary: str) -> list[str]:
    path = Path(tempfile.mkdtemp()) / "haproxy.cfg"
    path.write_text(text)
    run = subprocess.run(
        [binary, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30
    )
    return re.findall(r"\.cfg:\d+\] ?: '(.*)'\.$", run.stdout + run.stderr, re.MULTILINE)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(VALUE, min_size=1, max_size=5))
def test_haproxy_reads_back_what_we_wrote(values: list[str]) -> None:
    binary = hm.haproxy.find().path
    lines = [hm.Directive.from_values([".notice", v], indent="") for v in values]
    text = "".join(line.render() for line in lines)
    assert _notices(text, binary) == values
    # and our parser agrees with HAProxy
    parsed = [d.args[0] for d in hm.parse(text).lines() if isinstance(d, hm.Message)]
    assert parsed == values


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_no_value_can_add_a_line_or_a_section(value: str) -> None:
    cfg = hm.Config(sections=[hm.Backend(name="app")])
    backend = cfg.backends["app"]
    try:
        backend.add_directive(["http-request", "set-header", "X", value])
    except ValueError as err:
        assert any(c in value for c in "\r\n\x00")
        assert "word 4" in str(err)
        return
    again = hm.parse(hm.dumps(cfg))
    assert len(again.sections) == 1
    assert len(again.backends["app"].directives()) == 1
    # the words come back exactly (a value "if" is still a word; what HAProxy's rule
    # grammar makes of it is the caller's business, as it would be in the file)
    assert again.backends["app"].http_request[0].values == [
        "http-request",
        "set-header",
        "X",
        value,
    ]


@pytest.mark.parametrize("bad", ["a\nbackend evil", "x\r", "nul\x00", ""])
def test_unsafe_values_are_refused_naming_the_field(bad: str) -> None:
    server = hm.Server(name="s", address="127.0.0.1", port=80)
    with pytest.raises(ValueError, match="sni"):
        server.sni = bad
    assert server.raw == "    server s 127.0.0.1:80"


@pytest.mark.parametrize("name", ["bad name", "a;b", "x#y", "é"])
def test_names_are_checked_against_haproxy_characters(name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        hm.Backend(name=name)
    with pytest.raises(ValueError, match="name"):
        hm.Server(name=name, address="127.0.0.1")
