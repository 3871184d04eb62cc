"""The sample-expression reader shared by the checks: which words are expressions, and
how an expression splits into a fetch and converters (as HAProxy's parser splits it)."""

from __future__ import annotations

import pytest

import haproxy_model as hm
from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.expressions import expressions, format_starts, parse


def _names(word: str, start: int = 0) -> list[tuple[str, int, bool]]:
    return [(t.name, t.start, t.converter) for t in parse(word, start)]


def test_parse_fetch_and_converters() -> None:
    assert _names("req.hdr(host),lower,map(/etc/x.map,def)") == [
        ("req.hdr", 0, False),
        ("lower", 14, True),
        ("map", 20, True),
    ]
    terms = parse('var(txn.x),regsub("a,b)",c),upper')
    assert [t.args for t in terms] == [("txn.x",), ("a,b)", "c"), None]


def test_parse_stops_where_haproxy_does() -> None:
    assert _names("(arg)") == [("", 0, False)]  # "missing fetch method"
    assert _names("src]") == [("src", 0, False)]  # a format's end
    assert _names("src,,lower") == [("src", 0, False), ("lower", 5, True)]
    assert _names("src,") == [("src", 0, False)]
    assert _names("hdr(a") == [("hdr", 0, False)]  # no ")": nothing further is read
    assert _names("hdr(a),x(b") == [("hdr", 0, False), ("x", 7, True)]


def test_format_starts() -> None:
    word = "%ci %{+Q}[src] %% %%[not] %(name)[fc_rtt] %[ssl_fc,not]"
    starts = list(format_starts(word))
    assert [word[s:].split("]")[0] for s in starts] == ["src", "fc_rtt", "ssl_fc,not"]
    starts = list(format_starts(word, aliases=False))
    assert [word[s:].split("]")[0] for s in starts] == ["src", "ssl_fc,not"]


CONFIG = """\
frontend f
    bind :80
    acl a1 hdr_beg(host) -i %[not_a_fetch]
    http-request set-var(txn.x) req.hdr(host),lower if a1 { src_fetch -m found } || !{ b }
    http-request set-header X-A %[fmt_fetch] if { cond_fetch }
    http-request replace-path /x%[0-9]+ /y%[path_fetch]
    http-request return status 200 string %[literal] lf-string %[lf_fetch] hdr H %[hdr_fetch]
    http-request redirect location %[loc_fetch] code 302 set-cookie %[no]
    http-request sc-set-gpt0(0) 0xff
    http-request sc-set-gpt0(0) gpt_fetch
    http-request set-timeout server 5s
    http-request set-timeout tunnel timeout_fetch
    tcp-request content track-sc1 track_fetch table t
    log-format "%ci %[log_fetch]"
    use_backend %[be_fetch]
    stick on stick_fetch
    http-request set-header Y ${ENV}%[env_fetch]
backend b
    balance hash hash_fetch
    server s 127.0.0.1:80 sni sni_fetch check
    default-server sni default_sni_fetch
    http-check send meth GET uri-lf %[uri_fetch] hdr X %[check_fetch] body %[body]
"""


def test_places() -> None:
    cfg = hm.parse(CONFIG)
    found = [(e.fetch.name, e.criterion) for e in expressions(Context(cfg, "2.6", False))]
    assert found == [
        ("hdr_beg", True),
        ("req.hdr", False),
        ("src_fetch", True),
        ("b", True),
        ("fmt_fetch", False),
        ("cond_fetch", True),
        ("path_fetch", False),
        ("lf_fetch", False),
        ("hdr_fetch", False),
        ("loc_fetch", False),
        ("gpt_fetch", False),
        ("timeout_fetch", False),
        ("track_fetch", False),
        ("log_fetch", False),
        ("be_fetch", False),
        ("stick_fetch", False),
        ("hash_fetch", False),
        ("sni_fetch", False),
        ("uri_fetch", False),
        ("check_fetch", False),
    ]


@pytest.mark.parametrize("word", ["", "(", ",", "%", "%[", "%{", "%(", "a(b,c", "'"])
def test_odd_words_do_not_raise(word: str) -> None:
    parse(word)
    list(format_starts(word))
