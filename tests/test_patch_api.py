"""The parse-and-patch API: each edit changes exactly the lines it must (golden diffs)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import haproxy_model as hm

HERE = Path(__file__).parent
BASE = HERE / "fixtures" / "patch-base.cfg"
GOLDEN = HERE / "golden"


def unified(before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), "a/haproxy.cfg", "b/haproxy.cfg"
        )
    )


def set_maxconn(cfg: hm.Config) -> None:
    cfg.backends["app"].servers["s1"].maxconn = 32


def set_check(cfg: hm.Config) -> None:
    cfg.backends["app"].servers["s3"].check = True


def unset_inter(cfg: hm.Config) -> None:
    cfg.backends["app"].servers["s1"].inter = None


def add_server(cfg: hm.Config) -> None:
    cfg.backends["app"].servers.add(
        hm.Server(name="s9", address="10.0.0.9", port=8080, maxconn=32, check=True)
    )


def delete_server(cfg: hm.Config) -> None:
    del cfg.backends["app"].servers["s2"]


def set_timeout_queue(cfg: hm.Config) -> None:
    cfg.defaults[0].timeouts["queue"] = "60s"


def change_timeout(cfg: hm.Config) -> None:
    cfg.defaults["base"].timeouts["client"] = "1m"


def set_balance(cfg: hm.Config) -> None:
    cfg.backends["app"].balance = "leastconn"


def set_global_maxconn(cfg: hm.Config) -> None:
    assert cfg.global_ is not None
    cfg.global_.maxconn = 130000


def listen_server(cfg: hm.Config) -> None:
    cfg.listens["stats"].servers["local"].maxconn = 5


def add_backend(cfg: hm.Config) -> None:
    cfg.backends.add(
        hm.Backend(
            name="api",
            balance="leastconn",
            servers=[hm.Server(name="a1", address="10.0.1.1", port=80, check=True)],
        )
    )


def option_off(cfg: hm.Config) -> None:
    cfg.defaults[0].options["redispatch"] = False


EDITS: dict[str, Callable[[hm.Config], None]] = {
    f.__name__: f
    for f in (
        set_maxconn,
        set_check,
        unset_inter,
        add_server,
        delete_server,
        set_timeout_queue,
        change_timeout,
        set_balance,
        set_global_maxconn,
        listen_server,
        add_backend,
        option_off,
    )
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_golden_diff(name: str) -> None:
    before = BASE.read_text()
    cfg = hm.parse(before, filename=str(BASE))
    EDITS[name](cfg)
    diff = unified(before, hm.dumps(cfg))
    golden = GOLDEN / f"{name}.diff"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(diff)
    assert diff == golden.read_text()
    # the edited text parses back to the same model
    assert hm.parse(hm.dumps(cfg)) == cfg


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edits_keep_crlf(name: str) -> None:
    before = BASE.read_text().replace("\n", "\r\n")
    cfg = hm.parse(before)
    EDITS[name](cfg)
    after = hm.dumps(cfg)
    assert "\n" not in after.replace("\r\n", "")
    assert (
        unified(before.replace("\r\n", "\n"), after.replace("\r\n", "\n"))
        == (GOLDEN / f"{name}.diff").read_text()
    )


def test_edit_at_end_of_file_without_newline() -> None:
    text = "backend app\n    server s1 10.0.0.1:80"
    cfg = hm.parse(text)
    cfg.backends["app"].servers.add(hm.Server(name="s2", address="10.0.0.2", port=80))
    assert hm.dumps(cfg) == "backend app\n    server s1 10.0.0.1:80\n    server s2 10.0.0.2:80"
    del cfg.backends["app"].servers["s2"]
    assert hm.dumps(cfg) == text


def test_exact_user_code(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(BASE.read_text())
    cfg = hm.load(path)
    be = cfg.backends["app"]
    srv = be.servers["s1"]
    assert isinstance(srv, hm.Server)
    srv.maxconn = 32
    srv.check = True
    be.servers.add(hm.Server(name="s9", address="10.0.0.9", port=8080, maxconn=32, check=True))
    del be.servers["s2"]
    cfg.defaults[0].timeouts["queue"] = "60s"
    hm.dump(cfg, path)
    again = hm.load(path)
    assert again.backends["app"].servers["s1"].maxconn == 32
    assert list(again.backends["app"].servers) == ["s1", "s3", "s9"]
    assert again.defaults["base"].timeouts["queue"] == "60s"
    assert again.defaults[0].timeouts["client"] == "30s"


def test_lookups_name_what_exists() -> None:
    cfg = hm.parse(BASE.read_text())
    with pytest.raises(KeyError, match="'app'"):
        cfg.backends["nope"]
    with pytest.raises(KeyError, match="'s1', 's2', 's3'"):
        cfg.backends["app"].servers["nope"]
    with pytest.raises(KeyError, match="'base'"):
        cfg.defaults["other"]
    assert cfg.frontends["web"].default_backend == "app"
    assert cfg.global_ is not None and cfg.global_.maxconn == 2000
    assert hm.parse("backend b\n").global_ is None


def test_typed_reads() -> None:
    cfg = hm.parse(BASE.read_text())
    s1 = cfg.backends["app"].servers["s1"]
    assert (s1.name, s1.address, s1.port) == ("s1", "10.0.0.1", 8080)
    assert s1.check is True and s1.backup is False
    assert s1.inter == hm.Time("2s") and s1.inter == "2000" and s1.inter.milliseconds == 2000
    assert s1.weight == 10 and s1.maxconn is None
    assert cfg.defaults[0].timeouts["client"] == "30s"
    assert cfg.defaults[0].options.enabled("redispatch") is True
    assert cfg.defaults[0].mode == "http"
    assert cfg.backends["app"].balance == "roundrobin"
    assert [b.port for b in cfg.frontends["web"].binds] == [8080]


def test_untouched_values_keep_their_spelling() -> None:
    cfg = hm.parse("defaults\n    timeout client 1m\n    timeout server 60000\n")
    timeouts = cfg.defaults[0].timeouts
    assert timeouts["client"] == timeouts["server"]
    timeouts["server"] = "60000"  # same value: the line is not rewritten
    assert hm.dumps(cfg) == "defaults\n    timeout client 1m\n    timeout server 60000\n"


def test_replaced_value_keeps_alignment() -> None:
    cfg = hm.parse("backend b\n    balance  roundrobin   # lb\n")
    cfg.backends["b"].balance = "leastconn"
    assert hm.dumps(cfg) == "backend b\n    balance  leastconn   # lb\n"


D = "defaults\n    timeout client 5s\n"
B = "backend b\n    server s1 1.2.3.4:80\n"

REMOVALS = {
    "last section": (D + "\n" + B, D),
    "crlf": ((D + "\n" + B).replace("\n", "\r\n"), D.replace("\n", "\r\n")),
    "no final newline": (D + "\n" + B.rstrip("\n"), D.rstrip("\n")),
    "blank lines at the end": (D + "\n" + B + "\n\n", D),
    "bodies ending with comments": (
        D + "    # end of defaults\n\n" + B + "    # end of b\n",
        D + "    # end of defaults\n",
    ),
    "leading comment": (D + "\n# about b\n" + B, D),
    "middle section": (D + "\n" + B + "\nbackend c\n", D + "\nbackend c\n"),
    "no blank after it": (D + "\n" + B + "backend c\n", D + "backend c\n"),
    "alone in a .if block": (
        D + "\n.if defined(X)\n" + B + ".endif\n",
        D + "\n.if defined(X)\n.endif\n",
    ),
    "last in a .if block": (
        ".if defined(X)\n" + D + "\n" + B + ".endif\n",
        ".if defined(X)\n" + D + ".endif\n",
    ),
    "after a .if block": (
        ".if defined(X)\n" + D + "\n.endif\n\n" + B,
        ".if defined(X)\n" + D + "\n.endif\n",
    ),
}


@pytest.mark.parametrize("name", sorted(REMOVALS))
def test_remove_section_takes_one_gap_along(name: str) -> None:
    before, after = REMOVALS[name]
    cfg = hm.parse(before)
    cfg.remove(cfg.backends["b"])
    assert hm.dumps(cfg) == after


@pytest.mark.parametrize("name", sorted(REMOVALS))
def test_adding_then_removing_a_section_gives_the_file_back(name: str) -> None:
    text = REMOVALS[name][1]
    cfg = hm.parse(text)
    cfg.add(hm.Backend(name="new", servers=[hm.Server(name="x", address="10.0.0.1", port=80)]))
    again = hm.parse(hm.dumps(cfg))
    again.remove(again.backends["new"])
    assert hm.dumps(again) == text
