"""hm.validate: each check on a config that trips it and on one that does not,
then the real-world corpus (no errors on what HAProxy 2.6 accepted)."""

from __future__ import annotations

import csv
from textwrap import dedent
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from tests.conftest import CORPUS

# Words the property test builds lines from: keywords and the words checks look at.
_VOCABULARY = [
    "server", "default-server", "server-template", "bind", "acl", "use_backend",
    "default_backend", "use-server", "timeout", "client", "connect", "balance", "mode",
    "http-request", "tcp-request", "content", "deny", "if", "unless", "!", "!x", "{", "}",
    "or", "||", "x", "track", "x/x", "weight", "maxconn", "inter", "check", "from",
    "stick-table", "size", "peers", "errorfiles", "email-alert", "mailers", "resolvers",
    "no", "option", "httplog", "1", "10s", "300", ":0", "1.2.3.4:70000", "${X}", "%[x]",
    "nameserver", "hold", "nx", "accepted_payload_size", "redirect", "monitor", "fail",
    "session", "connection", "errorfile", "\"\"", "[::1]", "tcp@1.2.3.4",
]  # fmt: skip

# A clean HTTP setup the cases below extend.
HEAD = """\
global
    maxconn 1000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
"""
HEAD_LINES = HEAD.count("\n")


def run(
    body: str, *, version: str = "2.8", strict: bool = False, head: bool = True
) -> list[hm.Diagnostic]:
    text = (HEAD if head else "") + dedent(body)
    return hm.validate(hm.parse(text, filename="test.cfg"), version=version, strict=strict)


def codes(diags: list[hm.Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def one(diags: list[hm.Diagnostic], code: str) -> hm.Diagnostic:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [str(d) for d in diags]
    return found[0]


def where(d: hm.Diagnostic) -> tuple[str, str, int, int, str | None]:
    """(code, severity, line counted from the end of HEAD, column, section)."""
    return d.code, d.severity, d.line - HEAD_LINES, d.column, d.section


# -- (config body, strict/version, expected (code, severity, line, column, section)) ---------
# Lines are counted from the first line of the body; HEAD adds HEAD_LINES.
Expected = tuple[str, str, int, int, str]
TRIPS: dict[str, tuple[str, dict[str, Any], Expected]] = {
    "keyword from another section": (
        """\
        frontend web
            bind :80
            stats socket /run/haproxy.sock
        """,
        {},
        ("keyword-not-allowed", "error", 3, 5, "frontend web"),
    ),
    "proxy keyword without the capability": (
        """\
        frontend web
            bind :80
            balance roundrobin
        """,
        {},
        ("keyword-not-allowed", "warning", 3, 5, "frontend web"),
    ),
    "server in a frontend": (
        """\
        frontend web
            bind :80
            server s1 10.0.0.1:80
        """,
        {},
        ("keyword-not-allowed", "error", 3, 5, "frontend web"),
    ),
    "rules in an anonymous defaults": (
        """\
        defaults
            http-request deny
        """,
        {},
        ("keyword-not-allowed", "error", 2, 5, "defaults"),
    ),
    "keyword introduced later": (
        """\
        backend app
            hash-preserve-affinity always
            server s1 10.0.0.1:80
        """,
        {"version": "3.0"},
        ("keyword-version", "error", 2, 5, "backend app"),
    ),
    "keyword no longer documented": (
        """\
        frontend web
            bind :80
            bind-process 1
        """,
        {"version": "3.0"},
        ("keyword-version", "error", 3, 5, "frontend web"),
    ),
    "rule action introduced later": (
        """\
        backend app
            http-response set-timeout server 5s
            server s1 10.0.0.1:80
        """,
        {"version": "2.8"},
        ("keyword-version", "error", 2, 5, "backend app"),
    ),
    "tcp-request content action introduced later": (
        """\
        backend app
              tcp-request content set-bc-mark 1
            server s1 10.0.0.1:80
        """,
        {"version": "2.8"},
        ("keyword-version", "error", 2, 7, "backend app"),
    ),
    "version-guarded keyword": (
        """\
        backend app
        .if version_atleast(3.2)
            hash-preserve-affinity always
        .endif
            server s1 10.0.0.1:80
        """,
        {"version": "2.8"},
        ("keyword-version", "warning", 3, 5, "backend app"),
    ),
    "unknown keyword (strict)": (
        """\
        backend app
            frobnicate yes
            server s1 10.0.0.1:80
        """,
        {"strict": True},
        ("unknown-keyword", "error", 2, 5, "backend app"),
    ),
    "unknown negated option (strict)": (
        """\
        backend app
            no option frobnicate
            server s1 10.0.0.1:80
        """,
        {"strict": True},
        ("unknown-keyword", "error", 2, 5, "backend app"),
    ),
    "unknown action (strict)": (
        """\
        backend app
            http-request frobnicate
            server s1 10.0.0.1:80
        """,
        {"strict": True},
        ("unknown-keyword", "error", 2, 18, "backend app"),
    ),
    "section introduced later": (
        """\
        crt-store web
            crt-base /etc/ssl
        """,
        {"version": "2.8"},
        ("keyword-version", "error", 1, 1, "crt-store web"),
    ),
    "server option introduced later": (
        """\
        backend app
            server s1 10.0.0.1:80 check guid app-s1
        """,
        {"version": "2.8"},
        ("option-version", "error", 2, 33, "backend app"),
    ),
    "bind option no longer documented": (
        """\
        frontend web
            bind :443 ssl crt /etc/ssl/site.pem ocsp-update on
        """,
        {"version": "3.0"},
        ("option-version", "error", 2, 41, "frontend web"),
    ),
    "unknown server option (strict)": (
        """\
        backend app
            server s1 10.0.0.1:80 frobnicate
        """,
        {"strict": True},
        ("unknown-option", "error", 2, 27, "backend app"),
    ),
    "two backends with one name": (
        """\
        backend app
            server s1 10.0.0.1:80
        backend app
            server s2 10.0.0.2:80
        """,
        {},
        ("duplicate-proxy", "error", 3, 9, "backend app"),
    ),
    "listen named like a frontend": (
        """\
        frontend web
            bind :80
        listen web
            bind :81
            server s1 10.0.0.1:80
        """,
        {},
        ("duplicate-proxy", "error", 3, 8, "listen web"),
    ),
    "frontend and backend sharing a name in 3.3": (
        """\
        frontend app
            bind :80
            default_backend app
        backend app
            server s1 10.0.0.1:80
        """,
        {"version": "3.3"},
        ("duplicate-proxy", "error", 4, 9, "backend app"),
    ),
    "bad proxy name": (
        """\
        backend app/v2
            server s1 10.0.0.1:80
        """,
        {},
        ("bad-name", "error", 1, 9, "backend app/v2"),
    ),
    "proxy without a name": (
        """\
        listen
            bind :80
        """,
        {},
        ("bad-name", "error", 1, 1, "listen"),
    ),
    "deprecated keyword": (
        """\
        backend app
            http-request set-mark 2
            server s1 10.0.0.1:80
        """,
        {"version": "3.0"},
        ("deprecated-keyword", "info", 2, 5, "backend app"),
    ),
    "two servers with one name": (
        """\
        backend app
            server s1 10.0.0.1:80
            server s1 10.0.0.2:80
        """,
        {},
        ("duplicate-server", "error", 3, 12, "backend app"),
    ),
    "two referenced defaults with one name": (
        """\
        defaults base
            mode http
        defaults base
            mode tcp
        backend app from base
            server s1 10.0.0.1:80
        """,
        {},
        ("duplicate-defaults", "error", 3, 10, "defaults base"),
    ),
    "two unreferenced defaults with one name": (
        """\
        defaults base
            mode http
        defaults base
            mode http
        """,
        {},
        ("duplicate-defaults", "warning", 3, 10, "defaults base"),
    ),
    "use_backend to nowhere": (
        """\
        frontend web
            bind :80
            use_backend api if { path_beg /api }
            default_backend app
        backend app
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-backend", "error", 3, 17, "frontend web"),
    ),
    "default_backend to nowhere": (
        """\
        frontend web
            bind :80
            default_backend apps
        backend app
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-backend", "error", 3, 21, "frontend web"),
    ),
    "use-server to nowhere": (
        """\
        backend app
            use-server s2 if { path_beg /x }
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-server", "error", 2, 16, "backend app"),
    ),
    "track to a missing server": (
        """\
        backend app
            server s1 10.0.0.1:80 check
            server s2 10.0.0.2:80 track s3
        """,
        {},
        ("missing-server", "error", 3, 33, "backend app"),
    ),
    "track to a missing backend": (
        """\
        backend app
            server s1 10.0.0.1:80 track other/s1
        """,
        {},
        ("missing-backend", "error", 2, 33, "backend app"),
    ),
    "from a missing defaults": (
        """\
        backend app from base
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-defaults", "error", 1, 18, "backend app from base"),
    ),
    "from a later defaults": (
        """\
        backend app from base
            server s1 10.0.0.1:80
        defaults base
            mode http
        """,
        {},
        ("missing-defaults", "error", 1, 18, "backend app from base"),
    ),
    "errorfiles to nowhere": (
        """\
        backend app
            errorfiles site-errors
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-http-errors", "error", 2, 16, "backend app"),
    ),
    "resolvers to nowhere": (
        """\
        backend app
            server s1 app.internal:80 resolvers dns
        """,
        {},
        ("missing-resolvers", "error", 2, 41, "backend app"),
    ),
    "peers to nowhere": (
        """\
        backend app
            stick-table type ip size 1m peers mesh
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-peers", "error", 2, 39, "backend app"),
    ),
    "mailers to nowhere": (
        """\
        backend app
            email-alert mailers ops
            email-alert from haproxy@example.com
            email-alert to ops@example.com
            server s1 10.0.0.1:80
        """,
        {},
        ("missing-mailers", "error", 2, 25, "backend app"),
    ),
    "undeclared ACL": (
        """\
        frontend web
            bind :80
            acl is_api path_beg /api
            http-request deny if is_api || !is_admin
        """,
        {},
        ("undeclared-acl", "error", 4, 36, "frontend web"),
    ),
    "ACL used above its declaration": (
        """\
        frontend web
            bind :80
            http-request deny if is_api
            acl is_api path_beg /api
        """,
        {},
        ("undeclared-acl", "error", 3, 26, "frontend web"),
    ),
    "ACL of the defaults section": (
        """\
        defaults base
            mode http
            timeout client 30s
            acl is_api path_beg /api
        frontend web from base
            bind :80
            http-request deny if is_api
        """,
        {},
        ("undeclared-acl", "error", 7, 26, "frontend web from base"),
    ),
    "bad time": (
        """\
        backend app
            timeout queue 10x
            server s1 10.0.0.1:80
        """,
        {},
        ("bad-time", "error", 2, 19, "backend app"),
    ),
    "time with trailing characters": (
        """\
        backend app
            timeout queue 10sec
            server s1 10.0.0.1:80
        """,
        {},
        ("bad-time", "warning", 2, 19, "backend app"),
    ),
    "bad server time option": (
        """\
        backend app
            server s1 10.0.0.1:80 check inter 2x
        """,
        {},
        ("bad-time", "error", 2, 39, "backend app"),
    ),
    "bad size": (
        """\
        backend app
            stick-table type ip size 1z expire 30s
            server s1 10.0.0.1:80
        """,
        {},
        ("bad-size", "error", 2, 30, "backend app"),
    ),
    "non-numeric maxconn": (
        """\
        frontend web
            bind :80
            maxconn lots
        """,
        {},
        ("bad-number", "error", 3, 13, "frontend web"),
    ),
    "non-numeric server option": (
        """\
        backend app
            server s1 10.0.0.1:80 rise x
        """,
        {},
        ("bad-number", "error", 2, 32, "backend app"),
    ),
    "non-numeric retries": (
        """\
        backend app
            retries three
            server s1 10.0.0.1:80
        """,
        {},
        ("bad-number", "error", 2, 13, "backend app"),
    ),
    "weight out of range": (
        """\
        backend app
            server s1 10.0.0.1:80 weight 300
        """,
        {},
        ("weight-range", "error", 2, 34, "backend app"),
    ),
    "server port out of range": (
        """\
        backend app
            server s1 10.0.0.1:70000
        """,
        {},
        ("bad-port", "error", 2, 15, "backend app"),
    ),
    "bind port zero": (
        """\
        frontend web
            bind :0
        """,
        {},
        ("bad-port", "error", 2, 10, "frontend web"),
    ),
    "unknown balance algorithm": (
        """\
        backend app
            balance fastest
            server s1 10.0.0.1:80
        """,
        {},
        ("unknown-balance", "error", 2, 13, "backend app"),
    ),
    "balance algorithm introduced later": (
        """\
        backend app
            balance sticky
            server s1 10.0.0.1:80
        """,
        {"version": "2.8"},
        ("unknown-balance", "error", 2, 13, "backend app"),
    ),
    "unknown mode": (
        """\
        backend app
            mode HTTP
            server s1 10.0.0.1:80
        """,
        {},
        ("unknown-mode", "error", 2, 10, "backend app"),
    ),
    "mode introduced later": (
        """\
        backend logs
            mode log
        """,
        {"version": "2.8"},
        ("unknown-mode", "error", 2, 10, "backend logs"),
    ),
    "resolvers timeout that is not a time": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            timeout resolve 10x
        """,
        {},
        ("bad-time", "error", 3, 21, "resolvers dns"),
    ),
    "resolvers timeout of an unknown event": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            timeout query 1s
        """,
        {},
        ("unknown-event", "error", 3, 13, "resolvers dns"),
    ),
    "hold period that is not a time": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            hold valid ten
        """,
        {},
        ("bad-time", "error", 3, 16, "resolvers dns"),
    ),
    "hold of an unknown status": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            hold servfail 30s
        """,
        {},
        ("unknown-event", "error", 3, 10, "resolvers dns"),
    ),
    "non-numeric resolve_retries": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            resolve_retries three
        """,
        {},
        ("bad-number", "error", 3, 21, "resolvers dns"),
    ),
    "accepted_payload_size HAProxy refuses": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            accepted_payload_size 70000
        """,
        {},
        ("payload-size-range", "error", 3, 27, "resolvers dns"),
    ),
    "accepted_payload_size below RFC 6891": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            accepted_payload_size 256
        """,
        {},
        ("payload-size-range", "warning", 3, 27, "resolvers dns"),
    ),
    "nameserver without a port": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53
        """,
        {},
        ("missing-port", "error", 2, 20, "resolvers dns"),
    ),
    "nameserver port range": (
        """\
        resolvers dns
            nameserver ns1 tcp@10.0.0.53:53-54
        """,
        {},
        ("bad-port", "error", 2, 20, "resolvers dns"),
    ),
    "duplicate nameserver": (
        """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            nameserver ns1 10.0.0.54:53
        """,
        {},
        ("duplicate-nameserver", "error", 3, 16, "resolvers dns"),
    ),
    "server without an address": (
        """\
        backend app
            server s1
        """,
        {},
        ("missing-argument", "error", 2, 5, "backend app"),
    ),
    "http-request rule after use_backend": (
        """\
        frontend web
            bind :80
            use_backend app if { path_beg /app }
            http-request deny if { path /admin }
            default_backend app
        backend app
            server s1 10.0.0.1:80
        """,
        {},
        ("rule-order", "warning", 4, 5, "frontend web"),
    ),
    "server maxconn above fullconn": (
        """\
        backend app
            fullconn 100
            server s1 10.0.0.1:80 maxconn 500
        """,
        {},
        ("server-maxconn", "warning", 3, 35, "backend app"),
    ),
    "server maxconn above the global maxconn": (
        """\
        backend app
            server s1 10.0.0.1:80 maxconn 5000
        """,
        {},
        ("server-maxconn", "warning", 2, 35, "backend app"),
    ),
    "unchecked backend among checked ones": (
        """\
        backend app
            server s1 10.0.0.1:80 check
        backend api
            server s1 10.0.0.2:80
        """,
        {},
        ("no-health-check", "warning", 3, 1, "backend api"),
    ),
}


@pytest.mark.parametrize("name", list(TRIPS))
def test_check_trips(name: str) -> None:
    body, kwargs, expected = TRIPS[name]
    found = run(body, **kwargs)
    assert where(one(found, expected[0])) == expected
    d = one(found, expected[0])
    assert d.filename == "test.cfg"
    assert d.message


def test_missing_timeouts() -> None:
    text = """\
    frontend web
        bind :80
        default_backend app
    backend app
        server s1 10.0.0.1:80
    """
    found = run(text, head=False)
    assert [(d.code, d.severity, d.line, d.column, d.section) for d in found] == [
        ("missing-timeout", "warning", 1, 1, "frontend web"),
        ("missing-timeout", "warning", 4, 1, "backend app"),
    ]
    assert "'timeout client'" in found[0].message
    assert "'timeout connect', 'timeout server'" in found[1].message


# -- missing arguments: (section, line, message); each checked against haproxy -c 2.6 below --
MISSING = [
    ("backend app", "server s1", "'server s1' expects <address>[:port]"),
    ("backend app", "server", "'server' expects <name> and <address>[:port]"),
    ("frontend web", "bind", "'bind' expects <address>"),
    ("frontend web", "acl is_api", "'acl is_api' expects <criterion>"),
    ("frontend web", "acl", "'acl' expects <name> and <criterion>"),
    ("frontend web", "use_backend", "'use_backend' expects <backend>"),
    ("frontend web", "default_backend", "'default_backend' expects <backend>"),
    ("backend app", "use-server", "'use-server' expects <server>"),
    ("backend app", "timeout", "'timeout' expects <name> and <time>"),
    ("backend app", "timeout server", "'timeout server' expects <time>"),
    ("backend app", 'timeout server ""', "'timeout server' expects <time>"),
    ("frontend web", "maxconn", "'maxconn' expects <number>"),
    ("backend app", "retries", "'retries' expects <number>"),
    ("backend app", "fullconn", "'fullconn' expects <number>"),
    ("backend app", "mode", "'mode' expects <mode>"),
    ("backend app", "option", "'option' expects <option>"),
    ("backend app", "log", "'log' expects <target>"),
    ("global", "log", "'log' expects <target>"),
    ("backend app", "errorfile 503", "'errorfile 503' expects <file>"),
    ("http-errors site", "errorfile", "'errorfile' expects <code> and <file>"),
    ("backend app", "http-request", "'http-request' expects <action>"),
    ("backend app", "http-request if TRUE", "'http-request' expects <action> before its condition"),
    ("backend app", "http-response", "'http-response' expects <action>"),
    (
        "backend app",
        "tcp-request",
        "'tcp-request' expects connection|session|content|inspect-delay",
    ),
    ("backend app", "tcp-request content", "'tcp-request content' expects <action>"),
    ("backend app", "tcp-request inspect-delay", "'tcp-request inspect-delay' expects <time>"),
    ("backend app", "tcp-response content", "'tcp-response content' expects <action>"),
    ("mailers ops", "timeout mail", "'timeout mail' expects <time>"),
    ("resolvers dns", "nameserver ns1", "'nameserver ns1' expects <address>:<port>"),
    ("resolvers dns", "hold valid", "'hold valid' expects <period>"),
    ("resolvers dns", "timeout retry", "'timeout retry' expects <time>"),
    ("resolvers dns", "resolve_retries", "'resolve_retries' expects <number>"),
    ("resolvers dns", "accepted_payload_size", "'accepted_payload_size' expects <number>"),
]


def _missing_text(section: str, line: str) -> str:
    return f"{section}\n    {line}\n"


@pytest.mark.parametrize(("section", "line", "message"), MISSING)
def test_missing_argument(section: str, line: str, message: str) -> None:
    found = run(_missing_text(section, line), version="2.6")
    errors = [d for d in found if d.severity == "error"]
    assert [where(d) for d in errors] == [("missing-argument", "error", 2, 5, section)], [
        str(d) for d in found
    ]
    assert errors[0].message == message


def test_missing_arguments_are_what_haproxy_rejects(haproxy_bin: str) -> None:
    for section, line, _ in MISSING:
        cfg = hm.parse(HEAD + _missing_text(section, line), filename="test.cfg")
        rejected = {
            d.line for d in hm.haproxy.check(cfg, binary=haproxy_bin) if d.severity == "error"
        }
        assert HEAD_LINES + 2 in rejected, (section, line)


# -- rule order: every warning HAProxy 2.6 gives for this file, and only those --------------
RULE_ORDER = """\
frontend web
    bind :80
    use_backend app if { path_beg /app }
    http-request deny if { path /admin }
    redirect prefix /new if { path_beg /old }
    tcp-request content accept
    tcp-request connection accept
    monitor-uri /health
    monitor fail if { nbsrv(app) lt 1 }
    tcp-request session accept
    default_backend app
backend app
    use-server s1 if { path /s1 }
    http-request set-header X-App 1
    server s1 10.0.0.1:80
"""
#: (line, rule, line of the rule it follows, that rule)
RULE_ORDER_FOUND = [
    (4, "http-request", 3, "use_backend"),
    (5, "redirect", 3, "use_backend"),
    (6, "tcp-request content", 4, "http-request"),
    (7, "tcp-request connection", 6, "tcp-request content"),
    (9, "monitor fail", 4, "http-request"),
    (10, "tcp-request session", 6, "tcp-request content"),
    (14, "http-request", 13, "use-server"),
]


def test_rule_order() -> None:
    found = [d for d in run(RULE_ORDER, head=False, version="2.6") if d.code == "rule-order"]
    assert [(d.line, d.column, d.severity, d.section) for d in found] == [
        (line, 5, "warning", "backend app" if line > 12 else "frontend web")
        for line, *_ in RULE_ORDER_FOUND
    ]
    for d, (line, rule, other_line, other) in zip(found, RULE_ORDER_FOUND, strict=True):
        assert d.message == (
            f"a '{rule}' rule (line {line}) placed after a '{other}' rule (line {other_line}) "
            "will still be processed before it"
        )


def test_rule_order_is_what_haproxy_warns_about(haproxy_bin: str) -> None:
    cfg = hm.parse(HEAD + RULE_ORDER, filename="test.cfg")
    warned = [
        d.line - HEAD_LINES
        for d in hm.haproxy.check(cfg, binary=haproxy_bin)
        if "will still be processed before" in d.message
    ]
    assert warned == [line for line, *_ in RULE_ORDER_FOUND]


def test_rule_order_since_3_1() -> None:
    """3.1 added quic-initial rules and a warning for tcp-response after http-response."""
    body = """\
    frontend web
        bind quic4@:443 ssl crt /etc/haproxy/site.pem alpn h3
        tcp-request connection accept
        quic-initial reject if { src 192.0.2.0/24 }
        default_backend app
    backend app
        http-response set-header X-A 1
        tcp-response content accept
        server s1 10.0.0.1:80
    """
    assert [d.line for d in run(body, version="3.0") if d.code == "rule-order"] == []
    found = [d for d in run(body, version="3.1") if d.code == "rule-order"]
    assert [(d.line - HEAD_LINES, d.section) for d in found] == [
        (4, "frontend web"),
        (8, "backend app"),
    ]
    assert "'tcp-response content' rule (line" in found[1].message


# -- the same checks, not tripped ------------------------------------------------
CLEAN = {
    "keywords in their sections": """\
        frontend web
            bind :80
            option httplog
            no option http-server-close
            timeout http-request 10s
            tcp-request content accept if { req.len gt 0 }
            http-request set-header X-Forwarded-Proto https if { ssl_fc }
            http-request set-var(txn.host) req.hdr(host)
            default_backend app
        backend app
            balance roundrobin
            option httpchk GET /health
            http-check expect status 200
            default-server inter 2s fall 3 rise 2 check
            server s1 10.0.0.1:80 maxconn 100 weight 10 slowstart 30s
            server-template web 1-3 app.internal:80 resolvers dns init-addr none
        resolvers dns
            nameserver ns1 10.0.0.53:53
        """,
    "rules in a named defaults": """\
        defaults base
            mode http
            acl is_health path /health
            http-request return status 200 if is_health
        """,
    "version-guarded keyword of a later version, validated for it": """\
        backend app
        .if version_atleast(3.2)
            hash-preserve-affinity always
        .endif
            server s1 10.0.0.1:80
        """,
    "frontend and backend sharing a name before 3.2": """\
        frontend app
            bind :80
            default_backend app
        backend app
            server s1 10.0.0.1:80
        """,
    "same server name in two branches of one .if": """\
        backend app
        .if defined(BLUE)
            server s1 10.0.0.1:80
        .else
            server s1 10.0.0.2:80
        .endif
        """,
    "references that resolve": """\
        frontend web
            bind :80
            use_backend %[req.hdr(host),lower,map(/etc/haproxy/hosts.map)]
            use_backend api if { path_beg /api }
            default_backend app
        defaults base
            mode http
            timeout connect 5s
            timeout client 5s
            timeout server 5s
        backend app from base
            errorfiles site-errors
            email-alert mailers ops
            email-alert to ops@example.com
            email-alert from haproxy@example.com
            stick-table type ip size 1m peers mesh
            use-server s2 if { path_beg /x }
            server s1 10.0.0.1:80 check resolvers default
            server s2 10.0.0.2:80 track s1
            server s3 10.0.0.3:80 track api/a1
        listen api
            bind :81
            server a1 10.0.0.4:80 check
        http-errors site-errors
            errorfile 503 /etc/haproxy/errors/503.http
        mailers ops
            mailer smtp1 10.0.0.25:25
        peers mesh
            peer lb1 10.0.0.10:10000
        """,
    "ACLs declared, negated, anonymous, predefined": """\
        frontend web
            bind :80
            acl is_api path_beg /api
            acl is_admin src 10.0.0.0/8
            http-request deny if !is_admin is_api || METH_POST or { path /x } !{ src 1.2.3.4 }
            http-request allow unless HTTP_1.0 !LOCALHOST
            default_backend app
        backend app
            server s1 10.0.0.1:80
        """,
    "values of the right kind": """\
        backend app
            timeout queue 1m
            timeout tunnel ${TUNNEL_TIMEOUT}
            retries 3
            fullconn 1000
            balance hdr(host)
            stick-table type string len 64 size 100k expire 30m
            http-request wait-for-body time 1s at-least 1k
            server s1 10.0.0.1:80 inter 500ms fastinter 100ms downinter 1h weight 0 port 8080
            server s2 10.0.0.2:${PORT} maxconn ${MAXCONN}
            server s3 10.0.0.3:+1000
            server s4 unix@/run/app.sock
        backend other
            balance random(2)
            server s1 10.0.0.1
        backend third
            balance hash req.hdr(x-user)
            server s1 10.0.0.1:80
        frontend web
            mode tcp
            bind :8000-8010,[::]:443,unix@/run/web.sock
            default_backend app
        """,
    "tcp backend with timeout tunnel instead of timeout server": """\
        defaults
            timeout connect 5s
            timeout client 5s
        backend app
            timeout tunnel 1h
            server s1 10.0.0.1:80
        """,
    "resolvers section HAProxy accepts": """\
        resolvers dns
            nameserver ns1 10.0.0.53:53
            nameserver ns2 tcp@[2001:db8::53]:53
            nameserver ns3 ${DNS_ADDR}
            timeout resolve 1s
            timeout retry 500ms
            hold valid 10s
            hold nx 30s
            hold other 30s
            hold refused 30s
            hold timeout 30s
            hold obsolete 0s
            resolve_retries 3
            accepted_payload_size 8192
        """,
    "every argument given (and balance alone, which HAProxy accepts)": """\
        frontend web
            bind :80
            mode http
            maxconn 100
            option httplog
            log global
            acl is_api path_beg /api
            tcp-request inspect-delay 5s
            tcp-request content accept if { req.len gt 0 }
            http-request set-header X-Proto http
            use_backend app if is_api
            default_backend app
        backend app
            balance
            retries 3
            fullconn 100
            timeout queue 5s
            option httpchk GET /health HTTP/1.1
            errorfile 503 /etc/haproxy/errors/503.http
            http-response set-header X-Served-By app
            use-server s1 if { path /s1 }
            server s1 10.0.0.1:80
        """,
    "rules in the order HAProxy processes them": """\
        frontend web
            bind :80
            tcp-request connection accept if { src 10.0.0.0/8 }
            tcp-request session accept
            tcp-request content accept
            monitor-uri /health
            monitor fail if FALSE
            http-request deny if { path /admin }
            redirect scheme https if !{ ssl_fc }
            use_backend app if { path_beg /app }
            default_backend app
        backend app
        .if defined(CANARY)
            use-server s1 if TRUE
        .else
            http-request set-header X-Canary no
        .endif
            tcp-response content accept
            http-response set-header X-A 1
            server s1 10.0.0.1:80
        """,
    "backend inheriting its timeouts from a named defaults": """\
        defaults timeouts
            mode http
            timeout connect 5s
            timeout server 5s
        defaults other
            mode http
        backend app from timeouts
            server s1 10.0.0.1:80
        """,
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_clean(name: str) -> None:
    version = "3.1" if "before 3.2" in name else "3.2"
    found = run(CLEAN[name], strict=True, version=version)
    assert found == [], [str(d) for d in found]


def test_clean_for_each_version() -> None:
    body = CLEAN["keywords in their sections"]
    for version in ("2.6", "2.8", "3.0", "3.1", "3.2", "3.3"):
        assert run(body, version=version, strict=True) == []


def test_unknown_words_are_errors_haproxy_gives() -> None:
    # Before any known section, a line at column 0 followed by indented lines is
    # an unknown section; after one, HAProxy reads it as a keyword of that section.
    # No version's sources accept either word there: HAProxy's own refusals, in the
    # default mode too (server options stay strict-only).
    text = (
        "frobnicator main\n    speed 3\n"
        + HEAD
        + dedent(
            """\
        backend app
            frobnicate yes
            server s1 10.0.0.1:80 frobnicate
        """
        )
    )
    cfg = hm.parse(text, filename="test.cfg")
    refused = [
        ("unknown-section", 1, 1, "frobnicator main"),
        ("unknown-keyword", 11, 5, "backend app"),
    ]
    found = hm.validate(cfg)
    assert [(d.code, d.line, d.column, d.section) for d in found] == refused
    assert [d.message for d in found] == [
        "unknown keyword 'frobnicator' out of section.",
        "unknown keyword 'frobnicate' in 'backend' section",
    ]
    found = hm.validate(cfg, strict=True)
    assert [(d.code, d.line, d.column, d.section) for d in found] == [
        *refused,
        ("unknown-option", 12, 27, "backend app"),
    ]


def test_sections_of_other_versions() -> None:
    # namespace_list has no manual entry but HAProxy registers it (src/namespace.c)
    cfg = hm.parse("namespace_list\n    namespace blue\n" + HEAD)
    assert hm.validate(cfg) == [] and hm.validate(cfg, strict=True) == []
    # healthcheck sections came with 3.4: before, the word is a line of the section
    # above it, or out of any section
    newer = hm.parse("healthcheck hc\n    type httpchk\n" + HEAD)
    for strict in (False, True):
        found = hm.validate(newer, version="3.3", strict=strict)
        assert codes(found) == ["keyword-version"]
        assert found[0].message == (
            "unknown keyword 'healthcheck' out of section "
            "(appeared in 3.4 as a section; validating for 3.3)."
        )
    below = hm.parse(HEAD + "healthcheck hc\n    type httpchk\n")
    found = one(hm.validate(below, version="2.6"), "keyword-version")
    assert found.message.startswith("unknown keyword 'healthcheck' in 'defaults' section")
    guarded = hm.parse(
        HEAD + ".if version_atleast(3.4)\nhealthcheck hc\n    type httpchk\n.endif\n"
    )
    assert [d.severity for d in hm.validate(guarded, version="3.3")] == ["warning"]


def test_version_messages() -> None:
    d = one(run(TRIPS["keyword introduced later"][0], version="3.0"), "keyword-version")
    assert d.message == (
        "unknown keyword 'hash-preserve-affinity' in 'backend' section "
        "(appeared in 3.2; validating for 3.0)"
    )
    d = one(run(TRIPS["keyword no longer documented"][0], version="3.0"), "keyword-version")
    # 3.0 still knows the word, to refuse it with a message of its own: the manual speaks
    assert "not documented after 2.6" in d.message


def test_all_problems_at_once_in_file_order() -> None:
    body = """\
    frontend web
        bind :80
        use_backend nowhere
        timeout client 10x
    backend app
        server s1 10.0.0.1:80 weight 999
        server s1 10.0.0.1:80
    """
    found = run(body)
    assert codes(found) == ["missing-backend", "bad-time", "weight-range", "duplicate-server"]
    assert [d.line for d in found] == sorted(d.line for d in found)
    assert all(d.severity == "error" for d in found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["frontend", "backend", "listen", "defaults", "global", "peers", "resolvers"]
            ),
            st.lists(st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=7), max_size=6),
        ),
        max_size=4,
    ),
    st.sampled_from(["2.6", "3.3"]),
)
def test_never_fails_on_odd_configs(
    sections: list[tuple[str, list[list[str]]]], version: str
) -> None:
    lines: list[str] = []
    for keyword, body in sections:
        lines.append(f"{keyword} x")
        lines += ["    " + " ".join(words) for words in body]
    text = "\n".join(lines) + "\n"
    cfg = hm.parse(text)
    found = hm.validate(cfg, version=version, strict=True)
    total = text.count("\n")
    assert all(1 <= d.line <= total and d.column >= 1 for d in found)
    assert [(d.line, d.column) for d in found] == sorted((d.line, d.column) for d in found)


def test_unknown_version() -> None:
    with pytest.raises(ValueError, match="unknown version"):
        hm.validate(hm.parse(HEAD), version="1.8")


# -- the corpus: what HAProxy 2.6 accepted gets no error ----------------------------
MANIFEST = CORPUS / "manifest.tsv"


def _accepted() -> list[str]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        r["file"]
        for r in rows
        if r.get("haproxy26") in ("ok", "warning", "nolistener") and (CORPUS / r["file"]).is_file()
    ]


def test_no_errors_on_configs_haproxy_accepted() -> None:
    files = _accepted()
    if not files:
        pytest.skip(f"corpus manifest {MANIFEST} is absent")
    problems: list[str] = []
    for name in files:
        cfg = hm.load(CORPUS / name)
        for d in hm.validate(cfg, version="2.6"):
            if d.severity == "error":
                problems.append(str(d))
    assert problems == []
