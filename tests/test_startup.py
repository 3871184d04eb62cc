"""Start-up: ``import haproxy_model`` and each command import only what they need.

The public names are imported on first use (PEP 562 ``__getattr__``); these tests pin
what gets imported (not how long it takes: no test here is timed).
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import haproxy_model as hm

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "global\n  maxconn 100\n\ndefaults\n  mode http\n  timeout client 5s\n"


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_every_public_name_imports_and_is_the_original() -> None:
    for name in hm.__all__:
        module, attribute = hm._WHERE[name]
        value = getattr(importlib.import_module(module), attribute)
        assert getattr(hm, name) is value, name
        namespace: dict[str, object] = {}
        exec(f"from haproxy_model import {name}", namespace)
        assert namespace[name] is value, name
    assert hm.haproxy is importlib.import_module("haproxy_model.io.haproxy")


def test_all_dir_and_the_lazy_table_agree() -> None:
    assert sorted(hm.__all__) == sorted(hm._WHERE)
    assert set(hm.__all__) | {"haproxy"} <= set(dir(hm))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = hm.nothing  # type: ignore[attr-defined]


def test_type_checkers_see_the_same_names() -> None:
    """The ``if TYPE_CHECKING:`` imports name the same objects as the lazy table."""
    tree = ast.parse((ROOT / "haproxy_model" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If))
    seen: dict[str, tuple[str, str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names:
            seen[alias.asname or alias.name] = (node.module, alias.name)
    submodules = {name: tuple(path.rsplit(".", 1)) for name, path in hm._SUBMODULES.items()}
    assert seen == {**hm._WHERE, **submodules}


def test_star_import() -> None:
    namespace: dict[str, object] = {}
    exec("from haproxy_model import *", namespace)
    assert set(hm.__all__) <= set(namespace)


def test_import_loads_nothing_but_the_package() -> None:
    loaded = modules_after("import haproxy_model")
    assert sorted(m for m in loaded if m.startswith("haproxy_model")) == ["haproxy_model"]
    assert not {"lark", "attrs", "cattrs"} & loaded


def test_parse_loads_neither_lark_nor_the_outer_layers() -> None:
    loaded = modules_after(f"import haproxy_model as hm\nhm.parse({CONFIG!r})")
    assert "haproxy_model.model.config" in loaded
    unwanted = ("lark", "cattrs", "haproxy_model.io", "haproxy_model.adapters",
                "haproxy_model.analysis", "haproxy_model.cli")  # fmt: skip
    assert [m for m in loaded if m.startswith(unwanted)] == []


def test_check_loads_only_what_it_needs(tmp_path: Path) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(CONFIG, encoding="utf-8")
    code = (
        "import sys\nfrom haproxy_model.cli import main\n"
        f"assert main(['check', {str(cfg)!r}]) == 0\n"
    )
    loaded = modules_after(code)
    assert {"haproxy_model.cli.check", "haproxy_model.analysis.validation"} <= loaded
    unwanted = ("lark", "cattrs", "importlib.metadata", "haproxy_model.io",
                "haproxy_model.adapters", "haproxy_model.analysis.semdiff",
                "haproxy_model.cli.edit", "haproxy_model.cli.diff", "haproxy_model.cli.convert",
                "haproxy_model.cli.ray_serve", "haproxy_model.cli.fmt",
                "haproxy_model.cli.explain", "haproxy_model.analysis.explain",
                "haproxy_model.cli.graph", "haproxy_model.analysis.graph")  # fmt: skip
    assert [m for m in loaded if m.startswith(unwanted)] == []


def test_help_still_lists_every_command() -> None:
    from haproxy_model.cli import COMMANDS

    proc = subprocess.run(
        [sys.executable, "-m", "haproxy_model", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    for command in COMMANDS:
        assert command in proc.stdout


def test_keyword_table_builds_keywords_on_first_use() -> None:
    import json
    from importlib import resources

    from haproxy_model.keywords.table import Keyword, KeywordTable, _variant

    data = json.loads(
        resources.files("haproxy_model.keywords").joinpath("table.json").read_text("utf-8")
    )
    table = KeywordTable.from_json(data)
    proxy = table.kinds["proxy"]
    assert len(proxy) == len(data["keywords"]["proxy"]) and "balance" in proxy
    assert "no-such-keyword" not in proxy and proxy.get("no-such-keyword") is None
    with pytest.raises(KeyError):
        proxy["no-such-keyword"]
    found = table.resolve(["timeout", "connect", "5s"], "backend")
    assert found is not None and found.name == "timeout connect"
    assert found is table.kinds["proxy"]["timeout connect"]  # built once, then kept
    built = sum(len(names._built) for names in table.kinds.values())  # type: ignore[attr-defined]
    assert 0 < built < sum(len(names) for names in table.kinds.values()) / 2
    # what an eager table held, keyword for keyword
    for kind, names in data["keywords"].items():
        eager = {n: Keyword(n, kind, tuple(map(_variant, v))) for n, v in names.items()}
        assert dict(table.kinds[kind]) == eager
