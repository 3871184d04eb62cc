"""What the wheel carries: the package, its grammar and py.typed; not the demo."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contents(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("haproxy_model-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("haproxy_model/__init__.py", "haproxy_model/py.typed",
                   "haproxy_model/grammar/haproxy.lark", "haproxy_model/keywords/table.json",
                   "haproxy_model/keywords/samples.json",
                   "haproxy_model/keywords/first_words.json",
                   "haproxy_model/keywords/actions.json",
                   "haproxy_model/adapters/ray_serve/wrapper.py",
                   "haproxy_model/adapters/ray_serve/wrapper_install.py",
                   "haproxy_model/io/runtime/client.py"):  # fmt: skip
        assert needed in names, needed
    for left_out in ("haproxy_model/_net.py", "haproxy_model/adapters/ray_serve/two_nodes.py"):
        assert left_out not in names, left_out
    assert not any(n.startswith("haproxy_model/adapters/ray_serve/demo/") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
