"""Edits that respect HAProxy's grammar: an option set to what it already is stays as
written; a new `http-check send` goes where HAProxy runs it, before the `expect`."""

from __future__ import annotations

import haproxy_model as hm
from haproxy_model import HttpCheck

from .validate_support import DEFAULTS


def test_an_enabled_option_set_to_true_keeps_its_line() -> None:
    text = "defaults\n    option redispatch 1  # keep\n    no option httplog\n"
    cfg = hm.parse(text)
    cfg.defaults[0].options["redispatch"] = True
    cfg.defaults[0].options["httplog"] = False
    assert hm.dumps(cfg) == text


def test_turning_an_option_over_rewrites_it() -> None:
    cfg = hm.parse("defaults\n    option redispatch 1\n    no option httplog\n")
    cfg.defaults[0].options["redispatch"] = False
    cfg.defaults[0].options["httplog"] = True
    assert hm.dumps(cfg) == "defaults\n    no option redispatch\n    option httplog\n"


def test_no_log_is_not_an_option() -> None:
    cfg = hm.parse("defaults\n    no log\n    option httplog\n")
    assert list(cfg.defaults[0].options) == ["httplog"]


def test_a_new_send_goes_before_the_expect() -> None:
    text = DEFAULTS + (
        "backend b\n    option httpchk\n    http-check expect status 200\n"
        "    server s 127.0.0.1:1 check\n"
    )
    cfg = hm.parse(text)
    cfg.backends["b"].http_checks.append(HttpCheck.from_values(
        ["http-check", "send", "meth", "GET", "uri", "/healthz"]))  # fmt: skip
    out = hm.dumps(cfg)
    assert out == text.replace(
        "    http-check expect", "    http-check send meth GET uri /healthz\n    http-check expect"
    )
    result = hm.haproxy.run_check(cfg)
    assert result.valid and "expect" not in result.output, result.output


def test_a_new_send_follows_the_last_connect() -> None:
    text = DEFAULTS + (
        "backend b\n    option httpchk\n    http-check connect\n    http-check send meth HEAD\n"
        "    http-check expect status 200\n    http-check connect port 8080\n"
        "    http-check expect status 204\n    server s 127.0.0.1:1 check\n"
    )
    cfg = hm.parse(text)
    cfg.backends["b"].http_checks.append(
        HttpCheck.from_values(["http-check", "send", "meth", "GET"])
    )
    assert hm.dumps(cfg) == text.replace("port 8080\n", "port 8080\n    http-check send meth GET\n")
    assert hm.haproxy.run_check(cfg).valid


def test_other_checks_still_go_last() -> None:
    text = "backend b\n    http-check expect status 200\n"
    cfg = hm.parse(text)
    cfg.backends["b"].http_checks.append(
        HttpCheck.from_values(["http-check", "expect", "status", "204"])
    )
    assert hm.dumps(cfg) == text + "    http-check expect status 204\n"
