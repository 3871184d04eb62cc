"""Where a bad policy file is wrong: cattrs' error paths mapped back to file:line and
the dotted key as written (no Ray needed)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from haproxy_model.adapters.ray_serve import Policy, PolicyError


def error_of(tmp_path: Path, name: str, text: str) -> PolicyError:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        Policy.from_file(path)
    assert err.value.filename == str(path)
    return err.value


def test_nested_wrong_type_names_its_line_and_dotted_key(tmp_path: Path) -> None:
    err = error_of(tmp_path, "p.yaml", "retries: 1\nhealth_check:\n  path: /h\n  rise: often\n")
    assert (err.line, err.key) == (4, "rise")
    assert err.message == "health_check.rise must be an integer or null, got 'often'"
    assert str(err) == f"{err.filename}:4: {err.message}"


def test_a_key_is_named_as_written(tmp_path: Path) -> None:
    err = error_of(tmp_path, "p.yaml", "timeouts:\n  connect: 5s\n  http-request: 10x\n")
    assert (err.line, err.key) == (3, "http-request")
    assert err.message.startswith("timeouts.http-request: '10x' is not an HAProxy time")


def test_a_grouped_field_is_named_by_its_file_key(tmp_path: Path) -> None:
    """``server_maxconn_rule`` is ``server.maxconn`` in the file; a rate's own keys
    have their own lines."""
    err = error_of(tmp_path, "p.yaml", "server:\n  maxqueue: 1\n  maxconn:\n    floor: 0\n")
    assert (err.line, err.key) == (4, "floor")
    assert err.message == "server.maxconn.floor must be >= 1, got 0"
    err = error_of(tmp_path, "p.json", '{\n  "global": {\n    "maxconnrate": {\n'
                   '      "per_replica": -1\n    }\n  }\n}\n')  # fmt: skip
    assert (err.line, err.key) == (4, "per_replica")
    assert err.message == "global.maxconnrate.per_replica must be >= 0, got -1"


def test_a_shorthand_integer_is_reported_at_its_key(tmp_path: Path) -> None:
    err = error_of(tmp_path, "p.yaml", "retries: 1\nglobal:\n  maxconnrate: -1\n")
    assert (err.line, err.key) == (3, "maxconnrate")
    assert err.message == "global.maxconnrate: fixed must be >= 0, got -1"


def test_mapping_values_and_keys_in_toml(tmp_path: Path) -> None:
    doc = """\
    [server.maxconn]
    ratio = 0.5

    [server.maxconn.overrides]
    "app/Model" = 3
    "Router" = "none"
    """
    err = error_of(tmp_path, "p.toml", doc)
    assert (err.line, err.key) == (6, "Router")
    assert err.message == "server.maxconn.overrides.Router must be an integer or null, got 'none'"
    err = error_of(tmp_path, "p.toml", doc.replace('"Router" = "none"', '"a/b/c" = 1'))
    assert (err.line, err.key) == (6, "a/b/c")
    assert "overrides: override key 'a/b/c' must be 'app/deployment'" in err.message


def test_a_list_item_is_reported_at_its_line(tmp_path: Path) -> None:
    err = error_of(tmp_path, "p.yaml", "extra:\n  global:\n    - maxconn 5\n    - 7\n")
    assert err.line == 4 and err.key == "global"
    assert err.message == "extra.global[1] must be one non-empty directive line, got 7"


def test_null_where_a_key_cannot_be_null(tmp_path: Path) -> None:
    err = error_of(tmp_path, "p.yaml", "health_check:\n  method: null\n")
    assert err.line == 2
    assert err.message == ("health_check.method cannot be null "
                           "(set health_check: null to remove the HTTP health check)")  # fmt: skip
    err = error_of(tmp_path, "p.yaml", "server:\n  maxconn:\n    floor: null\n")
    assert (err.line, err.message) == (3, "server.maxconn.floor cannot be null")


def test_the_first_problem_in_the_file_is_reported(tmp_path: Path) -> None:
    """cattrs collects every problem; the one nearest the top of the file wins, whatever
    the order of the fields."""
    err = error_of(tmp_path, "p.yaml", "health_check:\n  rise: 0\nretries: x\nbalance: 7\n")
    assert (err.line, err.key) == (2, "rise")
    err = error_of(tmp_path, "p.yaml", "balance: 7\nhealth_check:\n  rise: 0\nretries: x\n")
    assert (err.line, err.key) == (1, "balance")


def test_a_validator_message_reads_once(tmp_path: Path) -> None:
    """The field's name in a validator's words becomes the dotted key, not a repeat."""
    assert error_of(tmp_path, "p.yaml", "balance: fastest\n").message == (
        "balance: unknown algorithm 'fastest'"
    )
    assert error_of(tmp_path, "p.yaml", "global:\n  maxconn: 0\n").message == (
        "global.maxconn must be >= 1, got 0"
    )


def test_wrong_kinds_name_every_accepted_kind() -> None:
    for doc, message in [
        ({"global": {"maxsessrate": "x"}},
         "global.maxsessrate must be a mapping, an integer or null, got 'x'"),
        ({"redispatch": 1}, "redispatch must be true, false or null, got 1"),
        ({"retry_on": 5}, "retry_on must be a string, a list of strings or null, got 5"),
        ({"health_check": []}, "health_check must be a mapping or null, got []"),
        ({"server": {"maxconn": {"ratio": True}}},
         "server.maxconn.ratio must be a number, got True"),
    ]:  # fmt: skip
        with pytest.raises(PolicyError) as err:
            Policy.from_mapping(doc)
        assert err.value.message.startswith(message), err.value.message


def test_null_extra_lines_are_no_lines() -> None:
    """As the README's table says: ``extra.<section>: null`` is the same as ``[]``."""
    policy = Policy.from_mapping({"extra": {"global": None, "backend": ["option forwardfor"]}})
    assert policy.extra.global_ == () and policy.extra.backend == ("option forwardfor",)


def test_json_and_yaml_agree_on_place_and_words(tmp_path: Path) -> None:
    doc = {"timeouts": {"queue": "1m"}, "server": {"maxconn": {"ratio": 0.5, "cap": "lots"}}}
    from_json = error_of(tmp_path, "p.json", json.dumps(doc, indent=2))
    text = "timeouts:\n  queue: 1m\nserver:\n  maxconn:\n    ratio: 0.5\n    cap: lots\n"
    from_yaml = error_of(tmp_path, "p.yaml", text)
    assert (
        from_json.message
        == from_yaml.message
        == ("server.maxconn.cap must be an integer or null, got 'lots'")
    )
    lines = (tmp_path / "p.json").read_text().splitlines()
    assert from_json.line is not None and '"cap"' in lines[from_json.line - 1]
    assert from_yaml.line == 6
