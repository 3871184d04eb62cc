"""Bad input gets a clear ``hm.Error`` naming the field or argument, never an internal
AttributeError/TypeError/IndexError from deep inside, and nothing written is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import haproxy_model as hm


@pytest.mark.parametrize("value", [None, 1.5, [1], b"1k"])
def test_size_parse_refuses_other_types_as_time_does(value: Any) -> None:
    with pytest.raises(hm.InvalidType, match="a size is a string or an int"):
        hm.Size.parse(value)


@pytest.mark.parametrize("filename", [None, 3, b"x.cfg"])
def test_parse_refuses_a_filename_that_is_not_a_str(filename: Any) -> None:
    with pytest.raises(hm.InvalidType, match="filename"):
        hm.parse("global\n", filename=filename)


@pytest.mark.parametrize("address", [None, 3, b"/x.sock"])
def test_runtime_client_refuses_an_address_of_another_type(address: Any) -> None:
    with pytest.raises(hm.InvalidType, match="runtime API address"):
        hm.RuntimeClient(address)


def test_runtime_client_refuses_a_timeout_that_is_not_a_number() -> None:
    with pytest.raises(hm.InvalidType, match="timeout"):
        hm.RuntimeClient("/x.sock", timeout="x")  # type: ignore[arg-type]


def test_runtime_client_socket_errors_are_in_the_family(tmp_path: Path) -> None:
    from haproxy_model.ops.drift import RuntimeUnavailable

    client = hm.RuntimeClient(tmp_path / "none.sock", timeout=0.5)
    with pytest.raises(RuntimeUnavailable) as err:
        client.show_info()
    # still what ``except OSError`` / ``except FileNotFoundError`` callers catch
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, hm.OperationFailed)
    assert err.value.errno is not None
    assert str(err.value) == f"unix@{tmp_path / 'none.sock'}: No such file or directory"
