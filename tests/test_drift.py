"""hm.drift / haproxy-model drift against a real master-worker HAProxy: nothing on a fresh
one, every change made by hand through the socket found, and ``--write`` folding them into
the file line by line."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.cli import main
from haproxy_model.io import haproxy
from haproxy_model.io.runtime import RuntimeClient
from haproxy_model.ops import RuntimeUnavailable
from tests.running_haproxy import BINARIES, BINARY_IDS, running
from tests.test_plan import RUNNING, assert_runs
from tests.test_runtime import web  # noqa: F401 - a fixture


def items(found: hm.Drift) -> set[tuple[str, str, str | None, str | None]]:
    return {(i.kind, i.target, i.file, i.running) for i in found.items}


@pytest.mark.slow
@pytest.mark.parametrize("binary", BINARIES, ids=BINARY_IDS)
def test_drift(
    binary: haproxy.Binary,
    web: dict[str, int],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running(binary, RUNNING, **web) as run:
        cfg = hm.load(run.config)
        before = run.config.read_text()
        # a fresh HAProxy runs its file: through the stats socket and the master CLI
        assert not hm.drift(cfg, run.client())
        assert not hm.drift(cfg, run.master_client())
        assert main(["drift", str(run.config), "--socket", run.admin]) == 0
        assert capsys.readouterr().out == "no drift\n"

        a, c = web["A"], web["C"]
        cli = run.client()
        cli.set_server_weight("be", "s1", 20)
        cli.set_server_addr("be", "s1", "127.0.0.1", c)
        cli.set_maxconn_server("be", "s1", 9)
        cli.disable_server("be", "s2")
        cli.set_server_state("be", "s3", "maint")
        cli.del_server("be", "s3")
        cli.add_server("be", "dyn", "127.0.0.1", a, weight=5, maxconn=7, enable=True)
        cli.set_maxconn_frontend("fe", 150)
        cli.set_maxconn_global(300)
        expected = {
            ("weight", "be/s1", "10", "20"),
            ("address", "be/s1", f"127.0.0.1:{a}", f"127.0.0.1:{c}"),
            ("maxconn", "be/s1", "0", "9"),
            ("state", "be/s2", "ready", "maint"),
            ("server-removed", "be/s3", f"127.0.0.1:{c}", None),
            ("server-added", "be/dyn", None, f"127.0.0.1:{a} weight 5 ready maxconn 7"),
            ("frontend-maxconn", "fe", "200", "150"),
            ("global-maxconn", "global", "500", "300"),
        }
        assert items(hm.drift(cfg, cli)) == expected
        assert items(hm.drift(cfg, run.master_client())) == expected
        assert main(["drift", str(run.config), "--socket", run.master, "--json"]) == 1
        shown = json.loads(capsys.readouterr().out)
        assert shown["drifted"] is True and len(shown["drift"]) == len(expected)

        # --write: the file now says what runs, each changed line only
        assert main(["drift", str(run.config), "--socket", run.admin, "--write"]) == 0
        after = run.config.read_text()
        changed = [
            line
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:1] in "+-"
        ]
        assert sorted(changed) == sorted(
            [
                "-     maxconn 500",
                "+     maxconn 300",
                "-     maxconn 200",
                "+     maxconn 150",
                f"-     server s1 127.0.0.1:{a} weight 10",
                f"+     server s1 127.0.0.1:{c} weight 20 maxconn 9",
                f"-     server s2 127.0.0.1:{web['B']} check inter 1s",
                f"+     server s2 127.0.0.1:{web['B']} check inter 1s disabled",
                f"-     server s3 127.0.0.1:{c}",
                f"+     server dyn 127.0.0.1:{a} weight 5 maxconn 7",
            ]
        )
        written = hm.load(run.config)
        assert not hm.drift(written, cli)
        assert_runs(run, written)
        assert main(["drift", str(run.config), "--socket", run.admin]) == 0
        capsys.readouterr()

        # drain has no keyword in a file: found, named, not written (exit 1)
        cli.set_server_state("be", "s1", "drain")
        assert items(hm.drift(written, cli)) == {("state", "be/s1", "ready", "drain")}
        assert main(["drift", str(run.config), "--socket", run.admin, "--write"]) == 1
        assert "drain has no configuration keyword" in capsys.readouterr().err
        assert run.config.read_text() == after

        # bad sockets: one line, exit 2; in the library an hm.Error
        master_path = str(run.folder / "master.sock")
        with pytest.raises(RuntimeUnavailable, match="master@"):
            hm.drift(written, RuntimeClient(master_path))
        assert main(["drift", str(run.config), "--socket", master_path]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "master CLI socket" in err


def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text("backend be\n    server s1 127.0.0.1:80\n")
    for sock in (str(tmp_path / "none.sock"), "127.0.0.1:1", "master@" + str(tmp_path / "x")):
        assert main(["drift", str(cfg), "--socket", sock]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
    assert main(["drift", str(tmp_path / "missing.cfg"), "--socket", "x.sock"]) == 2
    assert "missing.cfg" in capsys.readouterr().err
    with pytest.raises(RuntimeUnavailable):
        hm.drift(hm.load(cfg), RuntimeClient(tmp_path / "none.sock"))
    with pytest.raises(hm.InvalidType):
        hm.drift("text", RuntimeClient(tmp_path / "none.sock"))  # type: ignore[arg-type]
