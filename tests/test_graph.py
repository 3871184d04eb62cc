"""``hm.graph`` and ``haproxy-model graph``: the routing picture.

Golden outputs of tests/golden/graph/routing.cfg (``HM_UPDATE_GOLDEN=1 pytest
tests/test_graph.py`` rewrites them); every Mermaid output passes the grammar check
below and every dot output ``dot -Tsvg`` (skipped without Graphviz), hostile names
included: labels read back exactly as the configuration wrote them."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import haproxy_model as hm
from haproxy_model.analysis.graph import render_dot, render_mermaid
from haproxy_model.cli import main
from tests.conftest import corpus_files

GOLDEN = Path(__file__).resolve().parent / "golden" / "graph"
DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")

# -- a small grammar of the Mermaid we write ------------------------------------------------

_ID = r"[A-Za-z][A-Za-z0-9]*"
#: a quoted label: no character Mermaid reads as syntax, markup, an entity or a directive,
#: only HTML's named entities for them, lines joined by <br/>
_ENTITY = r"&(?:amp|lt|gt|quot|num|percnt|grave|vert|bsol|ZeroWidthSpace);"
_LABEL = rf'"(?:[^"&<>#%`|\\\x00-\x1f\x7f]|{_ENTITY}|<br/>)*"'
_SHAPES = [("([", "])"), ("{{", "}}"), ("[/", "/]"), ("[", "]"), ("(", ")")]
_NODE = re.compile(
    rf"    (?P<id>{_ID})(?:"
    + "|".join(
        rf"{re.escape(a)}(?P<l{i}>{_LABEL}){re.escape(b)}" for i, (a, b) in enumerate(_SHAPES)
    )
    + ")"
)
_EDGE = re.compile(rf"    (?P<a>{_ID}) (?:-->|-\.->|-\.-)(?:\|{_LABEL}\|)? (?P<b>{_ID})")
_CLASSDEF = re.compile(rf"    classDef {_ID} [a-z-]+:[#0-9a-z ]+(?:,[a-z-]+:[#0-9a-z ]+)*")
_CLASS = re.compile(rf"    class {_ID}(?:,{_ID})* {_ID}")
#: words Mermaid reads as keywords where a node id stands
_RESERVED = {"end", "graph", "flowchart", "subgraph", "class", "classDef", "click", "style",
             "linkStyle", "direction"}  # fmt: skip


def mermaid_labels(text: str) -> dict[str, list[str]]:
    """Check ``text`` against the grammar; return each node's label lines, decoded."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR", lines[0]
    labels: dict[str, list[str]] = {}
    for line in lines[1:]:
        node = _NODE.fullmatch(line)
        if node:
            node_id = node["id"]
            assert node_id not in labels and node_id not in _RESERVED, line
            label = next(v for k, v in node.groupdict().items() if k != "id" and v is not None)
            parts = label[1:-1].replace("&bsol;&ZeroWidthSpace;n", "&bsol;n").split("<br/>")
            labels[node_id] = [html.unescape(part) for part in parts]
            continue
        edge = _EDGE.fullmatch(line)
        if edge:
            assert edge["a"] in labels and edge["b"] in labels, line
            continue
        assert _CLASSDEF.fullmatch(line) or _CLASS.fullmatch(line), (
            f"not Mermaid we write: {line!r}"
        )
    return labels


def dot_labels(text: str) -> dict[str, list[str]]:
    """Run ``dot -Tsvg``: it must accept the text; each node's lines of text as the SVG
    shows them."""
    assert DOT is not None
    done = subprocess.run([DOT, "-Tsvg"], input=text.encode(), capture_output=True, check=False)
    assert done.returncode == 0 and not done.stderr, done.stderr.decode()
    ns = "{http://www.w3.org/2000/svg}"
    found: dict[str, list[str]] = {}
    for group in ElementTree.fromstring(done.stdout).iter(f"{ns}g"):
        if group.get("class") == "node":
            title = group.find(f"{ns}title")
            assert title is not None and title.text
            # dot writes a run of blanks as no-break spaces
            found[title.text] = [
                (t.text or "").replace("\xa0", " ") for t in group.iter(f"{ns}text")
            ]
    return found


def load_golden(monkeypatch: pytest.MonkeyPatch) -> hm.Config:
    # a relative file name, read from the golden folder: the output names no absolute path
    monkeypatch.chdir(GOLDEN)
    return hm.parse((GOLDEN / "routing.cfg").read_text(), filename="routing.cfg")


@pytest.mark.parametrize("fmt, suffix", [("mermaid", "mmd"), ("dot", "dot"), ("json", "json")])
def test_golden(fmt: str, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = hm.render_graph(hm.graph(load_golden(monkeypatch)), fmt)
    golden = GOLDEN / f"routing.{suffix}"
    if os.environ.get("HM_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_golden_outputs_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = hm.graph(load_golden(monkeypatch))
    labels = mermaid_labels(render_mermaid(graph))
    assert labels["b1"] == ["backend api", "balance roundrobin", "maxconn 200"]
    if DOT is not None:
        assert dot_labels(render_dot(graph))["b1"] == labels["b1"]


def test_what_the_golden_graph_says(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = hm.graph(load_golden(monkeypatch))
    web, admin, mysql = graph.frontends
    assert (web.name, admin.name, mysql.kind) == ("web", "admin", "listen")
    assert web.binds == (":80", ":8443 v4v6 name alt") and web.maxconn == 2000
    by_name = {b.name: b for b in graph.backends}
    api, static, app = by_name["api"], by_name["static"], by_name["app"]
    # use_backend in order, then default_backend
    kinds = [(r.kind, r.target) for r in web.routes]
    assert kinds[:2] == [("use_backend", "api"), ("use_backend", "static")]
    assert kinds[3] == ("default_backend", "app") and web.routes[3].inherited_from is None
    cond = web.routes[0].condition
    assert cond is not None and cond.text == "if is_api METH_GET"
    assert [(a.name, a.status) for a in cond.acls] == [("is_api", "declared"),
                                                       ("METH_GET", "predefined")]  # fmt: skip
    assert cond.acls[0].summary == "path_beg /api /v1 /v2 … +3"
    assert web.routes[1].condition and web.routes[1].condition.text.endswith("{ path_beg /assets }")
    # the dynamic route reaches what hosts.map names, and its default
    dynamic = web.routes[2].dynamic
    assert dynamic is not None and dynamic.map == "hosts.map"
    assert dynamic.targets == ("blog", "api", "app") and graph.complete
    assert [graph.backend(b).name for b in web.routes[2].backends] == ["blog", "api", "app"]
    # default_backend from the defaults section; a listen goes to its own servers
    assert [(r.kind, r.target, r.inherited_from) for r in admin.routes] == [
        ("default_backend", "app", "defaults base")
    ]
    assert [(r.kind, graph.backend(r.backends[0]).name) for r in mysql.routes] == [
        ("listen", "mysql")
    ]
    # unused: ACLs no condition uses, backends no route reaches (a table is not unused)
    assert [a.name for a in web.acls if not a.used] == ["old_acl"]
    assert [b.name for b in graph.backends if b.unused] == ["legacy"]
    # balance and maxconn: own, else the defaults'; default-server applied first
    assert (api.balance, static.balance, by_name["mysql"].balance) == ("roundrobin", "leastconn",
                                                                      "first")  # fmt: skip
    assert [(s.name, s.maxconn, s.check, s.backup) for s in api.servers] == [
        ("api1", 100, True, False),
        ("api2", 100, False, False),
        ("api3", 50, True, True),
    ]
    assert api.maxconn == 200  # backup servers do not count
    assert app.maxconn == 150 and app.servers[0].template == "3"  # 3 servers x 50
    assert by_name["mysql"].maxconn == 20 and by_name["legacy"].maxconn is None  # disabled
    assert by_name["st_src"].servers == () and not by_name["st_src"].unused


def test_json_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(hm.render_graph(hm.graph(load_golden(monkeypatch)), "json"))
    assert set(data) >= {"version", "complete", "frontends", "backends"}
    route = data["frontends"][0]["routes"][0]
    assert set(route) >= {"id", "kind", "target", "backends", "condition", "dynamic", "file",
                          "line", "inherited_from", "missing"}  # fmt: skip
    assert route["file"] == "routing.cfg" and route["line"] == 26
    server = data["backends"][0]["servers"][0]
    assert server == {"id": "b1s1", "name": "api1", "address": "10.0.1.1:8080", "maxconn": 100,
                      "check": True, "backup": False, "disabled": False, "template": None,
                      "file": "routing.cfg", "line": 36}  # fmt: skip


# -- routes in detail ------------------------------------------------------------------------


def test_missing_backend_and_undeclared_acl() -> None:
    cfg = hm.parse("frontend f\n    bind :80\n    use_backend nope if ghost\n")
    graph = hm.graph(cfg)
    route = graph.frontends[0].routes[0]
    assert route.missing and route.backends == ()
    assert route.condition and route.condition.acls[0].status == "undeclared"
    labels = mermaid_labels(render_mermaid(graph))
    assert labels["f1r1m"] == ["backend nope", "not declared"]
    assert labels["f1r1c"] == ["if ghost", "ghost: not declared"]


def test_dynamic_without_a_readable_map(tmp_path: Path) -> None:
    text = """\
frontend f
    bind :80
    use_backend be_%[req.hdr(host),lower,map_dom(missing.map)]
    use_backend %[req.hdr(host)]
    use_backend %[var(txn.a)]%[var(txn.b)]
backend be_x
"""
    (tmp_path / "x.cfg").write_text(text)
    graph = hm.graph(hm.load(tmp_path / "x.cfg"))
    first, second, third = (r.dynamic for r in graph.frontends[0].routes)
    assert first and first.map == "missing.map" and first.targets is None
    assert first.reason == "the map file missing.map cannot be read"
    assert second and second.map is None and second.reason and "no map lookup" in second.reason
    assert third and third.reason == "the name is built from several expressions"
    assert not graph.complete and graph.backends[0].unused
    assert mermaid_labels(render_mermaid(graph))["b1"][-1] == "UNUSED? no named route"


def test_dynamic_map_prefix_and_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "m.map").write_text("a.example x\nb.example y\n\n# c z\n")
    (tmp_path / "x.cfg").write_text(
        "frontend f\n    bind :80\n    use_backend be_%[req.hdr(host),map(maps/m.map)]\n"
        "backend be_x\nbackend be_other\n"
    )
    graph = hm.graph(hm.load(tmp_path / "x.cfg"))
    route = graph.frontends[0].routes[0]
    assert route.dynamic and route.dynamic.targets == ("be_x", "be_y")
    assert [graph.backend(b).name for b in route.backends] == ["be_x"]
    assert [b.name for b in graph.backends if b.unused] == ["be_other"]
    assert "not declared: be_y" in mermaid_labels(render_mermaid(graph))["f1r1d"]


def test_several_files_read_as_one() -> None:
    first = hm.parse("defaults\n    mode http\n    default_backend app\n", filename="a.cfg")
    second = hm.parse("frontend f\n    bind :80\nbackend app\n    server s 1.2.3.4:80\n",
                      filename="b.cfg")  # fmt: skip
    graph = hm.graph([first, second])
    route = graph.frontends[0].routes[0]
    assert (route.kind, route.file, route.line, route.inherited_from) == (
        "default_backend", "a.cfg", 3, "defaults")  # fmt: skip
    assert graph.frontends[0].file == "b.cfg" and not graph.backends[0].unused


def test_one_frontend(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    graph = hm.graph(load_golden(monkeypatch), frontend="admin")
    assert [(f.id, f.name) for f in graph.frontends] == [("f2", "admin")]  # ids as in the whole
    assert [(b.id, b.name) for b in graph.backends] == [("b3", "app")]
    if DOT is not None:
        code, out, err = run_cli(["graph", "routing.cfg", "--frontend", "mysql", "--format", "svg"],
                                 capsys)  # fmt: skip
        assert code == 0 and err == "" and "listen mysql" in out and "</svg>" in out


# -- hostile names -------------------------------------------------------------------------

HOSTILE = [
    'a"b',
    "x]-->y",
    "end",
    "%%{init: {}}%%",
    "<script>alert(1)</script>",
    "#quot;",
    "back\\slash\\n",
    "{{hex}}",
    "a|b",
    "semi;colon",
    "click f1 call x()",
    "é ünïcödé 🚀",
    'q"];\n  f1-->f1',
]


def hostile_config(name: str) -> str:
    q = hm.quote(name)
    return f"""\
frontend {q}
    bind {hm.quote(":80" + name)}
    acl {q} path_beg {q}
    acl unused_{q} path {q}
    use_backend {q} if {q}
    use_backend %[req.hdr({q}),map({hm.quote("/nonexistent/" + name)})]
    default_backend {hm.quote(name + "-missing")}
backend {q}
    balance {q}
    server {q} {hm.quote(name + ":80")} maxconn 3
"""


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_cannot_break_the_syntax(name: str) -> None:
    text = hostile_config(name.replace("\n", " "))
    graph = hm.graph(hm.parse(text))
    name = name.replace("\n", " ")
    labels = mermaid_labels(render_mermaid(graph))
    assert labels["f1"][0] == f"frontend {name}"
    assert labels["b1"][:2] == [f"backend {name}", f"balance {name}"]
    assert labels["b1s1"][:2] == [name, f"{name}:80"]
    if DOT is not None:
        assert dot_labels(render_dot(graph)) == labels
    json.loads(hm.render_graph(graph, "json"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"),
                    min_size=1, max_size=12))  # fmt: skip
def test_any_name_reads_back(name: str) -> None:
    try:
        cfg = hm.parse(hostile_config(name))
    except hm.Error:
        return  # a name HAProxy's tokenizer cannot carry, even quoted
    graph = hm.graph(cfg)
    labels = mermaid_labels(render_mermaid(graph))
    printable = "".join(ch if ch.isprintable() else "?" for ch in name)
    assert labels["b1s1"][0] == printable
    if DOT is not None:
        assert dot_labels(render_dot(graph))["b1s1"][0] == printable


# -- svg, errors, the command line -----------------------------------------------------------


@needs_dot
def test_svg(monkeypatch: pytest.MonkeyPatch) -> None:
    svg = hm.render_graph(hm.graph(load_golden(monkeypatch)), "svg")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg and "backend api" in svg


def test_svg_without_graphviz(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = hm.graph(hm.parse("frontend f\n    bind :80\n"))
    with pytest.raises(hm.MissingFile, match="Graphviz"):
        hm.render_graph(graph, "svg")
    assert main(["graph", str(GOLDEN / "routing.cfg"), "--format", "svg"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "needs Graphviz's `dot` program, which is not installed" in captured.err


def test_library_errors() -> None:
    cfg = hm.parse("frontend web\n    bind :80\nlisten stats\n    bind :81\n")
    with pytest.raises(hm.NotFound, match=r"did you mean 'web'\?"):
        hm.graph(cfg, frontend="wbe")
    with pytest.raises(hm.NotFound, match=r"there are: 'web', 'stats'"):
        hm.graph(cfg, frontend="zzzz")
    with pytest.raises(hm.InvalidValue, match="unknown graph format 'png'"):
        hm.render_graph(hm.graph(cfg), "png")
    for bad in ("text", [], ["x"], None, 3):
        with pytest.raises(hm.InvalidType):
            hm.graph(bad)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType):
        hm.graph(cfg, frontend=3)  # type: ignore[arg-type]
    with pytest.raises(hm.InvalidType):
        hm.render_graph("graph", "dot")  # type: ignore[arg-type]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(GOLDEN)
    code, out, err = run_cli(["graph", "routing.cfg"], capsys)
    assert (code, err) == (0, "") and out == (GOLDEN / "routing.mmd").read_text()
    code, out, _ = run_cli(["graph", "routing.cfg", "--format", "json", "--frontend", "admin"],
                           capsys)  # fmt: skip
    assert code == 0 and [f["name"] for f in json.loads(out)["frontends"]] == ["admin"]
    for args, message in [
        (["--frontend", "wbe"], "no frontend or listen section named 'wbe' (did you mean 'web'?)"),
        (["--format", "png"], "unknown format 'png'; use one of: mermaid, dot, svg, json"),
    ]:
        code, out, err = run_cli(["graph", "routing.cfg", *args], capsys)
        assert (code, out) == (2, "") and err == f"haproxy-model: error: {message}\n"
    code, out, err = run_cli(["graph", "nonexistent.cfg"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_corpus_draws() -> None:
    files = corpus_files()
    if not files:
        pytest.skip("no corpus")
    for path in files[::8]:
        try:
            cfg = hm.load(path)
        except hm.Error:
            continue
        graph = hm.graph(cfg)
        mermaid_labels(render_mermaid(graph))
        json.loads(hm.render_graph(graph, "json"))


def test_readme_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Mermaid block is what `graph` prints for the README's configuration."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## The routing picture", 1)[1]
    config = section.split("```haproxy\n", 1)[1].split("```", 1)[0]
    picture = section.split("```mermaid\n", 1)[1].split("```", 1)[0]
    (tmp_path / "haproxy.cfg").write_text(config)
    (tmp_path / "hosts.map").write_text("blog.example.com blog\nwww.example.com app\n")
    monkeypatch.chdir(tmp_path)
    assert hm.render_graph(hm.graph(hm.load("haproxy.cfg"))) == picture
    mermaid_labels(picture)


def test_acl_usage_and_long_binds() -> None:
    cfg = hm.parse(
        "frontend f\n    bind :443 ssl crt /etc/haproxy/certs/a-very-long-certificate-name.pem "
        "alpn h2,http/1.1\n    acl a path if b\n    acl b path /b\n    acl c path /c\n"
        "    http-request deny if c\n"
    )
    front = hm.graph(cfg).frontends[0]
    # `if b` among an ACL's patterns uses no ACL; an http-request condition does
    assert [(a.name, a.used) for a in front.acls] == [("a", False), ("b", False), ("c", True)]
    assert front.binds[0].endswith("alpn h2,http/1.1")  # in full; the picture shortens it
    label = mermaid_labels(render_mermaid(hm.graph(cfg)))["f1"][1]
    assert len(label) == len("bind ") + 60 and label.endswith("…")


def test_cli_notes_a_mermaid_text_too_long_to_draw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backends = "".join(f"backend b{i}\n    server s 10.0.0.{i % 250}:80\n" for i in range(600))
    front = "frontend f\n    bind :80\n    default_backend b0\n"
    (tmp_path / "big.cfg").write_text(front + backends)
    code, out, err = run_cli(["graph", str(tmp_path / "big.cfg")], capsys)
    assert code == 0 and len(out) > 50_000
    assert err.startswith("haproxy-model: note: the Mermaid text is") and err.count("\n") == 1


def test_several_files_and_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "10-defaults.cfg").write_text(
        "defaults\n    mode http\n    default_backend app\n"
    )
    (tmp_path / "conf.d" / "20-web.cfg").write_text(
        "frontend f\n    bind :80\n    use_backend %[req.hdr(host),map(hosts.map)]\n"
        "backend app\n    server s 1.2.3.4:80\nbackend blog\n"
    )
    (tmp_path / "conf.d" / "hosts.map").write_text("blog.example blog\n")
    monkeypatch.chdir(tmp_path)
    graph = hm.graph(hm.load_many("conf.d"))
    dynamic, default = graph.frontends[0].routes
    assert (default.file, default.line) == ("conf.d/10-defaults.cfg", 3)
    assert (dynamic.file, dynamic.line) == ("conf.d/20-web.cfg", 3)
    assert dynamic.dynamic and dynamic.dynamic.targets == ("blog",)  # beside its own file
    assert [b.name for b in graph.backends if b.unused] == []
    code, out, err = run_cli(["graph", "conf.d", "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == json.loads(hm.render_graph(graph, "json"))
    files = ["conf.d/10-defaults.cfg", "conf.d/20-web.cfg"]
    code, out2, _ = run_cli(["graph", *files, "--format", "json"], capsys)
    assert code == 0 and out2 == out
    code, out, err = run_cli(["graph", "conf.d/10-defaults.cfg", "nope.cfg"], capsys)
    assert (code, out) == (2, "") and err.count("\n") == 1 and "nope.cfg" in err
