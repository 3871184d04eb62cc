"""Environment variable references from typed setters: a ``hm.Word`` is written as it is.

A string is always written so that HAProxy reads it literally (a value from
untrusted input must never expand a variable); ``hm.Word.env("T")`` and any
other Word are the explicit opt-in, checked to be exactly one word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import haproxy_model as hm
from haproxy_model.syntax.words import concat, cut

W = hm.Word

# -- hm.Word.env --------------------------------------------------------------------------


def test_env_spells_a_reference_inside_double_quotes() -> None:
    assert W.env("T").raw == '"${T}"'
    assert W.env("T", "7s").raw == '"${T-7s}"'
    assert W.env("_a9", "").raw == '"${_a9-}"'
    word = W.env("PORT", "8080")
    assert (word.value, word.env_vars) == ("${PORT-8080}", ("PORT",))


def test_a_default_is_taken_as_it_is() -> None:
    # HAProxy copies a default up to "}" without escapes or references
    word = W.env("T", "a$B\\x \"'#c")
    assert word.raw == '"${T-a$B\\x "\'#c}"'
    assert word.env_vars == ("T",)


@pytest.mark.parametrize("name", ["", "1A", "A-B", "A B", "A}", "$A", ".LINE", "é"])
def test_bad_variable_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="environment variable name"):
        W.env(name)


@pytest.mark.parametrize("default", ["a}b", "}", "a\nb", "a\rb", "a\x00b"])
def test_defaults_that_would_end_early_are_refused(default: str) -> None:
    with pytest.raises(ValueError, match=r"default of \$T"):
        W.env("T", default)


def test_words_are_equal_when_haproxy_reads_them_the_same() -> None:
    assert W.env("T") == W('"$T"')
    assert hash(W.env("T")) == hash(W('"$T"'))
    assert W.env("T") != W.from_value("${T}")  # a reference is not its literal text
    assert W("'a b'") == W("a\\ b") == W.from_value("a b")


# -- a Word is written as it is, once checked -------------------------------------------


def test_quote_keeps_a_word_and_quotes_a_string() -> None:
    assert hm.quote(W.env("T")) == '"${T}"'
    assert hm.quote(W("'${T}'")) == "'${T}'"
    assert hm.quote("${T}") == "${T}"  # bare: HAProxy reads it literally


@pytest.mark.parametrize(
    "raw",
    ["a b", "", '"open', "a#b", "x\\", "a\nb", "'a\x00'", '"${T}" x', '"${T}"\r'],
)
def test_a_word_must_be_one_word(raw: str) -> None:
    server = hm.Server(name="s", address="127.0.0.1", port=80)
    with pytest.raises(ValueError, match="sni"):
        server.sni = W(raw)
    assert server.raw == "    server s 127.0.0.1:80"
    with pytest.raises(ValueError, match="word 3"):
        hm.Backend(name="b").add_directive(["http-request", "set-var(txn.x)", W(raw)])


def test_concat_and_cut_keep_references() -> None:
    assert concat("10.0.0.1", ":", "80") == "10.0.0.1:80"
    assert concat("a b", ":", W.env("P")) == W("'a b':\"${P}\"")
    word = W('"${H}:${P-80}"')
    assert cut(word, 0, 4) == W.env("H")
    assert cut(word, 5) == W.env("P", "80")
    assert cut(W("'a b':80"), 0, 3) == "a b"
    with pytest.raises(ValueError, match="inside the reference"):
        cut(word, 0, 2)


# -- every typed setter takes a Word -----------------------------------------------------

BASE = """\
global
    maxconn 100

defaults
    mode http
    timeout client 30s

backend b
    balance roundrobin
    default-server inter 2s
    server s1 127.0.0.1:8080 check inter 2s
"""


def _edit(edit: Callable[[hm.Config], None]) -> str:
    cfg = hm.parse(BASE)
    edit(cfg)
    text = hm.dumps(cfg)
    assert hm.parse(text) == cfg
    return text


def _set_timeouts(cfg: hm.Config) -> None:
    cfg.defaults[0].timeouts["client"] = W.env("T")
    cfg.defaults[0].timeouts["queue"] = W.env("Q", "60s")


def _set_settings(cfg: hm.Config) -> None:
    assert cfg.global_ is not None
    cfg.global_.maxconn = W.env("MAXCONN")
    cfg.defaults[0].mode = W.env("MODE", "http")
    cfg.defaults[0].retries = W.env("RETRIES", "3")
    cfg.backends["b"].balance = W.env("BALANCE")
    cfg.backends["b"].retry_on = ["conn-failure", W.env("RETRY_ON")]


def _set_server_options(cfg: hm.Config) -> None:
    server = cfg.backends["b"].servers["s1"]
    server.inter = W.env("INTER", "2s")
    server.maxconn = W.env("SMAX")
    server.sni = W.env("SNI")
    server.set_option("weight", W.env("WEIGHT", "5"))
    default = cfg.backends["b"].default_server
    assert default is not None
    default.fall = W.env("FALL")


def _set_address(cfg: hm.Config) -> None:
    server = cfg.backends["b"].servers["s1"]
    server.address = W.env("HOST")
    server.port = W.env("PORT", "8080")


def _add_lines(cfg: hm.Config) -> None:
    backend = cfg.backends["b"]
    backend.options["forwardfor"] = ["header", W.env("HDR")]
    backend.add_directive(["http-request", "set-header", "X-Env", W.env("XENV", "a b")])
    backend.servers.add(
        hm.Server(name="s2", address=W.env("H2"), port=W.env("P2", "80"), weight=W.env("W2"))
    )
    backend.default_server = hm.DefaultServer(inter=W.env("DINTER", "3s"))


GOLDEN: dict[str, tuple[Callable[[hm.Config], None], str]] = {
    "timeouts": (
        _set_timeouts,
        BASE.replace("timeout client 30s", 'timeout client "${T}"\n    timeout queue "${Q-60s}"'),
    ),
    "settings": (
        _set_settings,
        BASE.replace("maxconn 100", 'maxconn "${MAXCONN}"')
        .replace("mode http", 'mode "${MODE-http}"')
        .replace("30s\n", '30s\n    retries "${RETRIES-3}"\n')
        .replace(
            "balance roundrobin", 'balance "${BALANCE}"\n    retry-on conn-failure "${RETRY_ON}"'
        ),
    ),
    "server options": (
        _set_server_options,
        BASE.replace("inter 2s\n", 'inter 2s fall "${FALL}"\n', 1).replace(
            "check inter 2s",
            'check inter "${INTER-2s}" maxconn "${SMAX}" sni "${SNI}" weight "${WEIGHT-5}"',
        ),
    ),
    "address": (
        _set_address,
        BASE.replace("127.0.0.1:8080", '"${HOST}":"${PORT-8080}"'),
    ),
    "new lines": (
        _add_lines,
        BASE.replace("default-server inter 2s", 'default-server inter "${DINTER-3s}"').replace(
            "balance roundrobin",
            'balance roundrobin\n    option forwardfor header "${HDR}"\n'
            '    http-request set-header X-Env "${XENV-a b}"',
        )
        + '    server s2 "${H2}":"${P2-80}" weight "${W2}"\n',
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_setters_write_a_word_as_it_is(name: str) -> None:
    edit, expected = GOLDEN[name]
    assert _edit(edit) == expected


def test_constructors_take_words() -> None:
    server = hm.Server(name="s", address=W.env("HOST"), port=W.env("PORT"), inter=W.env("I"))
    assert server.raw == '    server s "${HOST}":"${PORT}" inter "${I}"'
    bind = hm.Bind(address=W.env("ADDR", "0.0.0.0"), port=W.env("PORT", "80"), ssl=True)
    assert bind.raw == '    bind "${ADDR-0.0.0.0}":"${PORT-80}" ssl'
    assert hm.Bind(port=W.env("PORT")).raw == '    bind :"${PORT}"'
    assert hm.Server(name="v6", address="::1", port=W.env("P")).raw == '    server v6 [::1]:"${P}"'
    template = hm.ServerTemplate(name="w", count=W.env("N"), address="app.local", port=80)
    assert template.raw == '    server-template w "${N}" app.local:80'
    defaults = hm.Defaults(mode=W.env("MODE"), timeouts={"client": W.env("T")})
    assert hm.dumps(hm.Config(sections=[defaults])) == (
        'defaults\n    mode "${MODE}"\n    timeout client "${T}"\n'
    )


def test_changing_host_or_port_keeps_the_other_reference() -> None:
    cfg = hm.parse('backend b\n    server s "${HOST}:${PORT-80}" check\n')
    server = cfg.backends["b"].servers["s"]
    assert (server.address, server.port) == ("${HOST}", "${PORT-80}")
    server.port = 8080
    assert server.raw == '    server s "${HOST}":8080 check'
    server.address = "10.0.0.1"
    server.port = W.env("PORT")
    assert server.raw == '    server s 10.0.0.1:"${PORT}" check'


def test_copying_a_line_keeps_its_references_and_spelling() -> None:
    cfg = hm.parse("defaults\n    option  forwardfor  header X-A\n\nbackend b\n    server s x:1\n")
    option = hm.Option('    option forwardfor header "${HDR}"')
    cfg.defaults[0].options["forwardfor"] = option
    assert cfg.defaults[0].find("option")[0].raw == '    option  forwardfor  header "${HDR}"'


def test_flags_refuse_a_word() -> None:
    server = hm.Server(name="s", address="127.0.0.1", port=80)
    with pytest.raises(TypeError, match="check is a flag"):
        server.check = W.env("CHECK")
    glob = hm.Global()
    with pytest.raises(TypeError, match="daemon is a flag"):
        glob.daemon = W.env("DAEMON")
    assert hm.dumps(hm.Config(sections=[glob])) == "global\n"


# -- reading references ------------------------------------------------------------------


def test_typed_getters_give_the_text_of_a_reference() -> None:
    cfg = hm.parse(
        "global\n"
        '    maxconn "${MAXCONN}"\n'
        "defaults\n"
        '    timeout client "${T}"\n'
        "    timeout server ${T}\n"
        '    retries "${R-3}"\n'
        "    timeout connect 5s\n"
        "backend b\n"
        '    server s "${HOST}:${PORT}" inter "${I}" maxconn "${M}" weight 3\n'
    )
    assert cfg.global_ is not None and cfg.global_.maxconn == "${MAXCONN}"
    timeouts = cfg.defaults[0].timeouts
    assert timeouts["client"] == "${T}" and timeouts["server"] == "${T}"
    assert timeouts["connect"] == hm.Time("5s")
    assert cfg.defaults[0].retries == "${R-3}"
    server = cfg.backends["b"].servers["s"]
    assert (server.inter, server.maxconn, server.weight) == ("${I}", "${M}", 3)
    assert (server.address, server.port) == ("${HOST}", "${PORT}")
    # the words tell a reference from the same text written literally
    client, server_line = (t for t in cfg.defaults[0].find("timeout")[:2])
    assert client.words[2].env_vars == ("T",) and server_line.words[2].env_vars == ()


def test_a_string_stays_literal() -> None:
    defaults = hm.Defaults()
    defaults.timeouts["client"] = "${T}"
    server = hm.Server(name="s", address="127.0.0.1", port=80)
    server.sni = "${SNI}"
    assert defaults.find("timeout")[0].raw == "    timeout client ${T}"
    assert server.raw == "    server s 127.0.0.1:80 sni ${SNI}"
    assert all(w.env_vars == () for w in server.words)


# -- the real HAProxy expands a Word's reference, and not a string's ---------------------


def _timeout_config(value: hm.Word | str) -> hm.Config:
    cfg = hm.Config(sections=[hm.Defaults(mode="http", timeouts={"connect": "5s"})])
    cfg.defaults[0].timeouts["client"] = value
    return cfg


def _errors(cfg: hm.Config) -> list[hm.Diagnostic]:
    return [d for d in hm.haproxy.check(cfg) if d.severity == "error"]


@pytest.mark.slow
def test_haproxy_expands_a_word_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _timeout_config(W.env("T"))
    assert 'timeout client "${T}"' in hm.dumps(cfg)
    monkeypatch.setenv("T", "7s")
    assert _errors(cfg) == []
    monkeypatch.setenv("T", "bogus")
    errors = _errors(cfg)
    assert len(errors) == 1 and errors[0].line == 4
    assert "'timeout client'" in errors[0].message


@pytest.mark.slow
def test_haproxy_reads_a_string_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T", "7s")
    cfg = _timeout_config("${T}")
    assert "timeout client ${T}\n" in hm.dumps(cfg)
    errors = _errors(cfg)
    assert len(errors) == 1 and errors[0].line == 4
    assert "unexpected character '$'" in errors[0].message


@pytest.mark.slow
def test_haproxy_reads_references_and_defaults_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tricky = "a$HOME\\x \"'#b{"
    monkeypatch.delenv("HM_UNSET", raising=False)
    monkeypatch.setenv("HM_SET", "from env")
    values: list[hm.Word | str] = [
        W.env("HM_UNSET", tricky),
        W.env("HM_SET", "unused"),
        W.env("HM_UNSET", ""),
        "${HM_SET}",
        concat("x-", W.env("HM_SET"), "-y"),
    ]
    lines = [hm.Directive.from_values([".notice", v], indent="") for v in values]
    # HAProxy 2.6 refuses a ${NAME-default} on a file's first line: start with "global"
    cfg = hm.parse("global\n" + "".join(line.render() for line in lines))
    result = hm.haproxy.run_check(cfg)
    notices = re.findall(r"\] ?: '(.*)'\.$", result.output, re.MULTILINE)
    assert notices == [tricky, "from env", "", "${HM_SET}", "x-from env-y"]
