"""haproxy_model.io.fmt: the conventional layout, idempotent and meaning-preserving."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import haproxy_model as hm
from haproxy_model.base.files import read_text
from haproxy_model.io.fmt import format_config, format_text
from tests.conftest import corpus_files
from tests.strategies import config_text

UGLY = """\
# Managed by hand.


global
\tmaxconn   2000    # per process
  log 127.0.0.1:514    local0
defaults base
\tmode http

\ttimeout client  30s
\t# the backend side
  timeout server  30s


frontend web
        bind 127.0.0.1:8080
\t.if defined(TLS)
\tbind :443   ssl crt "/etc/ssl/a b.pem"
\t\t.if streq("$MODE",strict)
\t  http-request deny   if { path /admin }
\t\t.endif
\t.else
\t# plain only
   .endif
\tdefault_backend app   #   the app
backend app
\tbalance roundrobin
  server s1 10.0.0.1:8080 check inter 2s   weight 10 # keep weight
\t# s2 is off for now
\t#server s2 10.0.0.2:8080 check

# the stats page
listen stats
  bind 127.0.0.1:9000
"""

FORMATTED = """\
# Managed by hand.

global
    maxconn 2000 # per process
    log 127.0.0.1:514 local0

defaults base
    mode http

    timeout client 30s
    # the backend side
    timeout server 30s

frontend web
    bind 127.0.0.1:8080
    .if defined(TLS)
        bind :443 ssl crt "/etc/ssl/a b.pem"
        .if streq("$MODE",strict)
            http-request deny if { path /admin }
        .endif
    .else
        # plain only
    .endif
    default_backend app #   the app

backend app
    balance roundrobin
    server s1 10.0.0.1:8080 check inter 2s weight 10 # keep weight
    # s2 is off for now
    #server s2 10.0.0.2:8080 check

# the stats page
listen stats
    bind 127.0.0.1:9000
"""


def test_conventional_layout() -> None:
    assert format_text(UGLY) == FORMATTED


def test_idempotent_and_meaning_kept_on_the_example() -> None:
    assert format_text(FORMATTED) == FORMATTED
    assert hm.parse(FORMATTED) == hm.parse(UGLY)


def test_crlf_stays_crlf() -> None:
    text = UGLY.replace("\n", "\r\n")
    out = format_text(text)
    assert out == FORMATTED.replace("\n", "\r\n")
    assert "\n" not in out.replace("\r\n", "")


def test_missing_final_newline_is_added_with_the_file_line_end() -> None:
    assert format_text("global\r\n  daemon") == "global\r\n    daemon\r\n"
    assert format_text("global\n\tdaemon") == "global\n    daemon\n"


def test_blank_lines_between_sections() -> None:
    text = "\n\nglobal\n\n\n    daemon\n\n\n\ndefaults\n    mode http\nbackend b\n\n"
    assert format_text(text) == "global\n    daemon\n\ndefaults\n    mode http\n\nbackend b\n"


def test_if_blocks_holding_sections_stand_at_column_0() -> None:
    text = (
        "global\n  daemon\n   .if defined(A)\n  backend a\n server x 1.2.3.4:80\n\n\n"
        "  backend b\n  .else\nbackend c\n   .endif\n  frontend f\n bind :80\n"
    )
    assert format_text(text) == (
        "global\n    daemon\n\n.if defined(A)\nbackend a\n    server x 1.2.3.4:80\n\n"
        "backend b\n.else\nbackend c\n.endif\n\nfrontend f\n    bind :80\n"
    )


def test_trailing_comments_keep_column_0_when_they_were_there() -> None:
    text = "backend a\n  server x 1.2.3.4:80\n  # indented trailing\n\n# about b\n\nbackend b\n"
    assert format_text(text) == (
        "backend a\n    server x 1.2.3.4:80\n    # indented trailing\n\n# about b\n\nbackend b\n"
    )


def test_quoting_and_escapes_are_kept() -> None:
    text = "frontend f\n  http-request  set-header  X-A  'a  b'  if  { hdr(x) -m str \"q  r\" }\n"
    out = format_text(text)
    assert out == (
        "frontend f\n    http-request set-header X-A 'a  b' if { hdr(x) -m str \"q  r\" }\n"
    )


def test_comment_glued_to_a_word_gets_one_space() -> None:
    assert format_text("global\n  daemon#x\n") == "global\n    daemon #x\n"


def test_unknown_section_body_stays_indented() -> None:
    text = "foo bar\n  baz 1\nglobal\n  daemon\n"
    out = format_text(text)
    assert out == "foo bar\n    baz 1\n\nglobal\n    daemon\n"
    assert hm.parse(out) == hm.parse(text)


def test_non_utf8_bytes_are_kept() -> None:
    text = b"global\n\tlog-tag \xff\xfe  # \xe9\n".decode("utf-8", "surrogateescape")
    out = format_text(text)
    assert out.encode("utf-8", "surrogateescape") == b"global\n    log-tag \xff\xfe # \xe9\n"


def test_format_config_leaves_the_config_unchanged() -> None:
    cfg = hm.parse(UGLY)
    assert format_config(cfg) == FORMATTED
    assert hm.dumps(cfg) == UGLY


def test_format_config_of_a_built_config() -> None:
    cfg = hm.Config(
        [hm.Global(maxconn=100), hm.Backend("app", balance="roundrobin")],
    )
    out = format_config(cfg)
    assert out == "global\n    maxconn 100\n\nbackend app\n    balance roundrobin\n"
    assert hm.parse(out) == cfg


def test_parse_error_is_raised() -> None:
    with pytest.raises(hm.ParseError):
        format_text('global\n  log "unterminated\n')


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(config_text())
def test_property_idempotent_and_meaning_kept(text: str) -> None:
    try:
        before = hm.parse(text)
    except hm.ParseError:
        return
    out = format_text(text)
    assert hm.parse(out) == before
    assert format_text(out) == out


CORPUS = corpus_files()


@pytest.mark.skipif(not CORPUS, reason="corpus folder is absent")
def test_corpus_idempotent_and_meaning_kept() -> None:
    """Every corpus file that parses: fmt(fmt(x)) == fmt(x) and parse(fmt(x)) == parse(x)."""
    failures: list[str] = []
    checked = 0
    for path in CORPUS:
        text = read_text(path)
        try:
            before = hm.parse(text, filename=str(path))
        except hm.ParseError:
            continue
        checked += 1
        out = format_config(before)
        after = hm.parse(out)
        if after != before:
            failures.append(f"{Path(path).name}: meaning changed")
            continue
        if format_config(after) != out:
            failures.append(f"{Path(path).name}: not idempotent")
    assert checked
    assert not failures, failures


@pytest.mark.parametrize(
    "text",
    ["foo\n    backend b\n", "x-future\n\n# c\n  backend b\n   server s 1.2.3.4:80\n"],
)
def test_header_after_an_empty_unknown_section_stays_indented(text: str) -> None:
    """An unknown section without lines is one only while the header after it is
    indented: fmt keeps that header indented, so its output means the same."""
    cfg = hm.parse(text)
    formatted = format_config(cfg)
    again = hm.parse(formatted)
    assert again == cfg
    assert [type(s) for s in again.sections] == [hm.UnknownSection, hm.Backend]
    assert format_config(again) == formatted


def test_fmt_command_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "u.cfg"
    path.write_text("foo\n    backend b\n")
    done = subprocess.run(
        [sys.executable, "-m", "haproxy_model", "fmt", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "foo\n\n    backend b\n"
