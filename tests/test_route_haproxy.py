"""``hm.route`` checked against the real HAProxy (issue 13, part 2).

Each configuration is instrumented (tests/route_harness.py: backends answer
with their own name, servers removed, frontends on free loopback ports) and
started with the real ``haproxy``; Hypothesis then sends requests built from
the configuration's own words (paths, hosts, header names and values, URL
parameters) and a few random ones, and every answer must be the one ``route``
predicts: the backend, or the status of the rule that answers (deny, redirect,
return, tarpit, auth), or a closed connection (reject, silent-drop).
``undecided`` is the only other answer allowed, and is counted.
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from tests.conftest import CORPUS
from tests.route_harness import agrees, running

FIXTURES = Path(__file__).parent / "fixtures" / "route"
TORTURE = FIXTURES / "torture.cfg"

#: Real routing configurations of the corpus whose stripped copy starts, chosen for
#: their mix of answers (use_backend, default_backend, deny, redirect, return,
#: tcp-request reject, variables, named defaults with rules).
CORPUS_CONFIGS = [
    "wild__byjg_docker-easy-haproxy__tests_expected_docker.txt.cfg",
    "wild__byjg_docker-easy-haproxy__tests_expected_services-multiple-hosts.txt.cfg",
    "wild__byjg_docker-easy-haproxy__tests_expected_services-fcgi.txt.cfg",
    "wild__cipriancraciun_haproxy-configurator__examples__configs_http-routing-by-path.cfg",
    "wild__cipriancraciun_haproxy-configurator__examples__configs_http-basic-full-without-general.cfg",
    "wild__jbsky_vyos-deploy__etc_haproxy_haproxy.cfg",
    "wild__kikitux_nomad-in-a-box__conf_haproxy.cfg",
    "haproxy-regtests__reg-tests_http-rules_restrict_req_hdr_names.vtc__h1.cfg",
    "haproxy-regtests__reg-tests_log_last_rule.vtc__h1.cfg",
    "haproxy-regtests__reg-tests_tcp-rules_default_rules.vtc__h1.cfg",
    "haproxy-regtests__reg-tests_cache_sample_fetches.vtc__h1.cfg",
    "haproxy-regtests__reg-tests_http-messaging_http_abortonclose.vtc__h1.cfg",
    "haproxy-regtests__reg-tests_qmux_h3.vtc__h1.cfg",
]

_PATH_WORD = re.compile(r"/[A-Za-z0-9._~/-]*\Z")
_HOST_WORD = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?\Z")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+\Z")
_HEADER_ARG = re.compile(r"(?:hdr|fhdr|hdr_[a-z]+|req\.hdr|req\.fhdr|hdr_cnt)\(([A-Za-z0-9-]+)")
_COOKIE_ARG = re.compile(r"(?:req\.cook|cook)(?:_[a-z]+)?\(([A-Za-z0-9_-]+)")
_PARAM_ARG = re.compile(r"(?:url_param|urlp|urlp_[a-z]+)\(([A-Za-z0-9_-]+)")

METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "get"]


def _binary() -> str:
    path = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(path).exists():
        pytest.skip("no haproxy binary")
    return path


def _words(cfg: hm.Config) -> list[str]:
    out: list[str] = []
    for section in cfg.sections:
        for line in section.directives():
            out += line.values
    for path in FIXTURES.glob("*.lst"):
        out += path.read_text().split()
    for path in FIXTURES.glob("*.map"):
        out += path.read_text().split()
    return out


def requests_for(cfg: hm.Config, tls: bool = False) -> st.SearchStrategy[hm.Request]:
    """Requests built from the configuration's own words, and a few random ones (half of them
    over TLS with ``tls``)."""
    words = _words(cfg)
    text = " ".join(words)
    paths = sorted({w for w in words if _PATH_WORD.match(w)}) or ["/"]
    hosts = sorted({w for w in words if _HOST_WORD.match(w)}) or ["example.com"]
    tokens = sorted({w for w in words if _TOKEN.match(w)})[:200] or ["x"]
    framing = {"host", "content-length", "transfer-encoding", "connection", "upgrade"}
    header_names = sorted({h for h in _HEADER_ARG.findall(text) if h.lower() not in framing})
    header_names = header_names or ["x-test"]
    params = sorted(set(_PARAM_ARG.findall(text))) or ["q"]
    segment = st.text("abcxyz0123456789-.", min_size=1, max_size=6)
    suffix = st.sampled_from(["", "", "/", ".css", ".JS", ".png", "/x/"]) | st.builds(
        lambda s: "/" + s, segment
    )
    path = st.sampled_from(paths) | st.builds(
        lambda base, extra: (base.rstrip("/") + extra) if extra.startswith("/") else base + extra,
        st.sampled_from(paths) | st.builds(lambda s: "/" + s, segment),
        suffix,
    )
    query = st.one_of(
        st.just(""),
        st.builds(
            lambda k, v: f"?{k}={v}", st.sampled_from(params), st.sampled_from(tokens) | segment
        ),
        st.builds(lambda k, v: f"?a=1&{k}={v}", st.sampled_from(params), st.sampled_from(tokens)),
    )
    target = st.builds(lambda p, q: p + q, path, query) | st.sampled_from(paths)
    case = st.sampled_from([str, str.upper, str.title])
    host = st.builds(lambda h, c: c(h), st.sampled_from(hosts), case) | st.builds(
        lambda s: f"{s}.example.com", segment
    )
    value = st.sampled_from(tokens) | segment | st.sampled_from(["fr-FR", "badbot/1.0", "a, b"])
    header = st.tuples(st.sampled_from([*header_names, "User-Agent", "Accept-Language"]), value)
    cookies = sorted(set(_COOKIE_ARG.findall(text)))
    if cookies:
        cookie = st.builds(
            lambda n, v: f"a=b; {n}={v}", st.sampled_from(cookies), value | st.just("1")
        )
        header = header | st.tuples(st.just("Cookie"), cookie)

    def build(m: str, t: str, h: str, hs: list[tuple[str, str]], tls: bool) -> hm.Request:
        name = h.split(":")[0]
        tls = tls and all(name.split("."))  # a server name a TLS client can send
        return hm.Request(method=m, path=t, host=h, headers=(*hs, ("Connection", "close")),
                          src="127.0.0.1", ssl=tls, sni=name.lower() if tls else None)  # fmt: skip

    return st.builds(
        build,
        st.sampled_from(METHODS),
        target,
        host,
        st.lists(header, max_size=3, unique_by=lambda kv: kv[0].lower()),
        st.booleans() if tls else st.just(False),
    )


def verify(
    cfg: hm.Config,
    examples: int,
    seconds: float,
    extra: list[Path] | None = None,
    seeds: list[tuple[str, hm.Request]] | None = None,
    tls: bool = False,
) -> Counter[str]:
    """Start HAProxy on ``cfg`` and check ``route`` on ``seeds`` then on generated requests;
    the tallies."""
    binary = _binary()
    tally: Counter[str] = Counter()
    try:
        server = running(binary, cfg, extra or [], tls=tls)
        live = server.__enter__()
    except RuntimeError as exc:
        pytest.skip(f"the stripped copy does not start: {str(exc)[-300:]}")
    try:
        frontends = [
            name
            for name in live.ports
            if any(s.keyword == "frontend" and s.name == name for s in cfg.sections)
        ]
        if not frontends:
            pytest.skip("no frontend")
        started = time.monotonic()

        def one(frontend: str, request: hm.Request) -> None:
            predicted = hm.route(cfg, frontend, request)
            if predicted.undecided is not None:
                tally["undecided"] += 1
                return
            got = live.send(frontend, request.method, request.path, request.all_headers(),
                            request.sni, request.ssl)  # fmt: skip
            tally["sent"] += 1
            tally["over TLS"] += request.ssl
            tally[predicted.action or "?"] += 1
            assert agrees(predicted, got), (
                f"{frontend} {request}: route says {predicted.to_dict()} (status "
                f"{predicted.status}), HAProxy answered {got}"
            )

        for frontend, request in seeds or []:
            if live.tls_ports or not request.ssl:  # no TLS without the openssl command
                one(frontend, request)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            frontend=st.sampled_from(frontends),
            request=requests_for(cfg, tls and bool(live.tls_ports)),
        )
        def check(frontend: str, request: hm.Request) -> None:
            if time.monotonic() - started <= seconds:
                one(frontend, request)

        check()
    finally:
        server.__exit__(None, None, None)
    return tally


def _req(path: str, method: str = "GET", host: str = "www.example.com",
         *headers: tuple[str, str]) -> hm.Request:  # fmt: skip
    return hm.Request(method=method, path=path, host=host, src="127.0.0.1",
                      headers=(*headers, ("Connection", "close")))  # fmt: skip


def _tls(path: str, host: str) -> hm.Request:
    sni = host.split(":")[0].lower()
    return hm.Request(path=path, host=host, src="127.0.0.1", ssl=True, sni=sni,
                      headers=[("Connection", "close")])  # fmt: skip


#: One request for each construct of the torture configuration, sent before the generated ones.
TORTURE_SEEDS = [
    ("fe_main", _req("/legal-hold/x")),  # named defaults' deny 410
    ("fe_main", _req("/", "GET", "a", ("User-Agent", "BadBot/2"))),  # hdr_sub -i: deny
    ("fe_main", _req("/ping")),  # return 204, METH_GET
    ("fe_main", _req("/ping", "HEAD")),
    ("fe_main", _req("/ping", "POST")),  # not METH_GET: li_app (unless is_get)
    ("fe_main", _req("/old-home")),  # redirect 301
    ("fe_main", _req("/secure/x")),  # redirect scheme https
    ("fe_main", _tls("/secure/x", "shop.example.com")),  # over TLS: no redirect; SNI
    ("fe_main", _tls("/", "SHOP.example.com:443")),
    ("fe_main", _tls("/", "www.example.com")),
    ("fe_main", _req("/slow")),  # tarpit 429
    ("fe_main", _req("/private")),  # auth 401
    ("fe_main", _req("/v1/users")),  # set-path -> /api/v1/users -> be_api? no: /api/ prefix
    ("fe_main", _req("/old/users")),  # replace-path -> /api/users -> be_api
    ("fe_main", _req("/", "GET", "a", ("Accept-Language", "fr-FR"))),  # set-header X-Lang
    ("fe_main", _req("/goto")),  # an empty location: the redirect is skipped
    ("fe_main", _req("/goto", "GET", "a", ("X-Goto", "/there"))),  # 303
    ("fe_main", _req("/", "GET", "a", ("Cookie", "x=1; canary=1"))),  # req.cook
    ("fe_main", _req("/", "GET", "a", ("Cookie", "canary=0"), ("Cookie", "session=abcd"))),
    ("fe_main", _req("/", "GET", "a", ("Cookie", "canary=2"))),
    ("fe_main", _req("/allowed/x")),  # allow skips the 405 deny
    ("fe_main", _req("/teapot")),  # deny 405
    ("fe_main", _req("/", "GET", "a", ("X-Secret", "1"))),  # del-header then found: no deny
    ("fe_main", _req("/legacy/page")),  # redirect prefix 307
    ("fe_main", _req("/x/admin/y")),  # path_dir admin, local, not DELETE: be_admin
    ("fe_main", _req("/admin/tool.exe")),  # be_admin's own deny 404
    ("fe_main", _req("/admin", "DELETE")),  # !is_delete fails: li_app
    ("fe_main", _req("/reports/42")),  # path_reg
    ("fe_main", _req("/reports/42x")),
    ("fe_main", _req("/q?token=secret2")),  # has_token token_ok
    ("fe_main", _req("/q?token=nope")),
    ("fe_main", _req("/STYLE.CSS")),  # path_end -i
    ("fe_main", _req("/", "GET", "shop.example.org")),  # hdr(host) -i
    ("fe_main", _req("/b/1", "GET", "SHOP.example.com")),  # base_beg -i
    ("fe_main", _req("/", "GET", "www.example.net")),  # hdr_dom
    ("fe_main", _req("/", "GET", "example.network")),
    ("fe_main", _req("/listed/two")),  # -f pattern file
    ("fe_main", _req("/listed/three")),  # trailing blanks are part of the pattern
    ("fe_main", _req("/", "GET", "a", ("X-Tag", "first, last"))),  # hdr(x-tag,-1)
    ("fe_main", _req("/", "GET", "a", ("X-Forwarded-For", "1.1.1.1, 2.2.2.2"))),  # hdr_cnt
    ("fe_main", _req("/a/X/b")),  # url_sub -i
    ("fe_main", _req("/", "GET", "Red.Example.com")),  # map_beg on lower(host)
    ("fe_main", _req("/", "GET", "red.example.com.deeper")),  # longest prefix wins
    ("fe_main", _req("/maps/accepted", "GET", "maps.example")),  # be_maps' return 202
    ("fe_main", _req("/gone", "GET", "blocked.example")),  # be_blocked's defaults: 410
    ("fe_main", _req("/?to=red", "GET", "nowhere.example")),  # be_%[url_param(to)]
    ("fe_main", _req("/?to=nothing", "GET", "nowhere.example")),  # no such backend: default
    ("fe_main", _req("/healthz")),  # monitor-uri: 200 before any rule
    ("fe_main", _req("/dstats")),  # be_default's statistics page: 401 without credentials
    ("fe_main", _req("/dstats", "DELETE")),  # not a stats method: on to be_default
    ("fe_plain", _req("/stats/x")),  # the statistics page
    ("fe_plain", _req("/RED")),  # set-path lower, map_str
    ("fe_plain", _req("/green")),  # map default be_none: no such backend, default
    ("fe_plain", _req("/Api/v")),  # api
]


@pytest.mark.slow
def test_torture_config_agrees_with_haproxy() -> None:
    cfg = hm.load(TORTURE)
    extra = sorted(FIXTURES.glob("*.lst")) + sorted(FIXTURES.glob("*.map"))
    tally = verify(cfg, examples=600, seconds=120, extra=extra, seeds=TORTURE_SEEDS, tls=True)
    print(f"torture: {dict(tally)}")
    assert tally["sent"] >= 300
    assert tally["undecided"] == 0
    if shutil.which("openssl"):
        assert tally["over TLS"] >= 50
    # the walk reached every kind of answer
    for action in ("use_backend", "default_backend", "deny", "redirect", "return", "tarpit",
                   "auth", "monitor", "stats"):  # fmt: skip
        assert tally[action] > 0, (action, tally)


@pytest.mark.slow
@pytest.mark.parametrize("name", CORPUS_CONFIGS)
def test_corpus_config_agrees_with_haproxy(name: str) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} is absent")
    cfg = hm.load(path)
    tally = verify(cfg, examples=200, seconds=60, tls=True)
    print(f"{name}: {dict(tally)}")
    assert tally["sent"] > 0


@pytest.mark.slow
def test_every_corpus_config_that_starts_agrees_with_haproxy() -> None:
    """A few requests on every corpus configuration with http rules or use_backend whose
    stripped copy starts: no disagreement anywhere (undecided allowed)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus folder {CORPUS} is absent")
    totals: Counter[str] = Counter()
    configs = 0
    for path in sorted(CORPUS.glob("*.cfg")):
        text = path.read_text(errors="replace")
        if "use_backend" not in text and "http-request" not in text:
            continue
        # response rules rewrite the status the client sees: not what route predicts
        if "http-after-response set-status" in text or "http-response set-status" in text:
            continue
        try:
            cfg = hm.load(path)
        except hm.Error:
            continue
        if not any(s.keyword == "frontend" for s in cfg.sections):
            continue
        try:
            tally = verify(cfg, examples=25, seconds=10)
        except pytest.skip.Exception:
            continue
        configs += 1
        totals.update(tally)
    print(f"corpus: {configs} configurations, {dict(totals)}")
    assert configs >= 5 and totals["sent"] > 0
