"""Typed readers of the directives people edit (beyond servers and binds)."""

from __future__ import annotations

import haproxy_model as hm

TEXT = """\
global
    log 127.0.0.1:514 len 2048 local0 info
    stats socket /run/haproxy.sock mode 600 level admin

backend app
    log global
    option httpchk GET /health
    http-check expect status 200
    stick-table type ip size 100k expire 30m peers mypeers store http_req_rate(10s),conn_cur
    stick on src table app if { src -m found }
    errorfile 503 /etc/haproxy/errors/503.http
    stats enable
    stats uri /stats
    timeout server 2m
    retry-on conn-failure empty-response
    server s1 10.0.0.1:80 check
"""


def test_typed_directives() -> None:
    cfg = hm.parse(TEXT)
    glob = cfg.global_
    assert glob is not None
    log = glob.logs[0]
    assert isinstance(log, hm.Log) and log.target == "127.0.0.1:514"
    assert log.facility == "local0"
    assert [s.sub_keyword for s in glob.stats_sockets] == ["socket"]
    app = cfg.backends["app"]
    assert app.logs[0].is_global
    assert app.options["httpchk"].arguments == ["GET", "/health"]
    assert [(c.action, c.arguments) for c in app.http_checks] == [("expect", ["status", "200"])]
    table = app.stick_table
    assert table is not None and table.type == "ip"
    assert table.size == "100k" and table.size is not None and table.size.bytes == 102400
    assert table.expire == "30m" and table.peers == "mypeers"
    assert table.store == ["http_req_rate(10s)", "conn_cur"]
    stick = app.sticks[0]
    assert (stick.kind, stick.pattern, stick.table) == ("on", "src", "app")
    assert stick.condition == ("if", ["{", "src", "-m", "found", "}"])
    assert (app.errorfiles[0].code, app.errorfiles[0].file) == (503, "/etc/haproxy/errors/503.http")
    assert [(s.sub_keyword, s.arguments) for s in app.stats] == [
        ("enable", []),
        ("uri", ["/stats"]),
    ]
    assert app.timeouts["server"] == hm.Time("120s")
    assert app.retry_on == ["conn-failure", "empty-response"]


def test_values_with_units() -> None:
    assert hm.Time("1m") == "60s" == hm.Time.parse(60000)
    assert hm.Time.parse("250ms").milliseconds == 250
    assert hm.Time.parse("100us").milliseconds == 0.1
    assert hm.Size.parse("16k").bytes == 16384 and hm.Size("1g").bytes == 1024**3
    for bad in ["5 s", "-1", "1w", ""]:
        try:
            hm.Time.parse(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_untouched_time_keeps_its_spelling_after_other_edits() -> None:
    cfg = hm.parse(TEXT)
    app = cfg.backends["app"]
    app.retries = 3
    assert "    timeout server 2m\n" in hm.dumps(cfg)
    assert "    retries 3\n" in hm.dumps(cfg)


def test_value_at_and_value_after() -> None:
    line = (
        hm.parse("backend b\n    stick on src table t2 if { src 1.2.3.4 }\n")
        .backends["b"]
        .find("stick")[0]
    )
    assert (line.value_at(0), line.value_at(3), line.value_at(99)) == ("stick", "table", "")
    assert line.value_after("table") == "t2" and line.value_after("table", 4) is None
    assert line.value_after("}") is None  # nothing follows the last word
