"""Section maps as a user reaches for them: assigning, adding, indexing defaults, and
the clear errors of wrong arguments (no internal AttributeError or IndexError)."""

from __future__ import annotations

from pathlib import Path

import pytest

import haproxy_model as hm

TEXT = """\
backend a
  server s1 1.1.1.1:80

# about b
backend b
  server s2 2.2.2.2:80

backend c
  server s3 3.3.3.3:80"""


def test_assigning_a_section_replaces_it_where_it_stands() -> None:
    cfg = hm.parse(TEXT)
    new = hm.Backend(name="b")
    new.servers.add(hm.Server(name="x", address="9.9.9.9", port=80))
    cfg.backends["b"] = new
    assert hm.dumps(cfg) == TEXT.replace("server s2 2.2.2.2:80", "server x 9.9.9.9:80")
    assert cfg.backends["b"] is new and list(cfg.backends) == ["a", "b", "c"]
    last = hm.Backend(name="c")
    cfg.backends["c"] = last  # the file's last line had no line end: neither has the new one
    assert hm.dumps(cfg).endswith("\n\nbackend c")
    cfg.backends["d"] = hm.Backend(name="d")  # a new name: added after the last backend
    assert list(cfg.backends) == ["a", "b", "c", "d"]


def test_assigning_in_a_configuration_of_several_files_keeps_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.cfg").write_text("backend a\n    server s1 1.1.1.1:80\n")
    (tmp_path / "b.cfg").write_text("# about b\nbackend b\n    server s2 2.2.2.2:80\n\nbackend c\n")
    cfg = hm.load_many([tmp_path / "a.cfg", tmp_path / "b.cfg"])
    new = hm.Backend(name="b")
    new.servers.add(hm.Server(name="x", address="9.9.9.9", port=80))
    cfg.backends["b"] = new
    hm.dump(cfg)
    assert (tmp_path / "a.cfg").read_text() == "backend a\n    server s1 1.1.1.1:80\n"
    assert (tmp_path / "b.cfg").read_text() == (
        "# about b\nbackend b\n    server x 9.9.9.9:80\n\nbackend c\n"
    )


@pytest.mark.parametrize(
    ("name", "value", "error", "words"),
    [
        ("q", hm.Backend(name="r"), hm.InvalidValue, "named 'r'"),
        ("q", hm.Frontend(name="q"), hm.InvalidType, "expected a Backend, got Frontend"),
        ("q", 3, hm.InvalidType, "got int"),
    ],
)
def test_assigning_the_wrong_thing(name: str, value: object, error: type, words: str) -> None:
    cfg = hm.parse(TEXT)
    with pytest.raises(error, match=words):
        cfg.backends[name] = value  # type: ignore[assignment]
    assert hm.dumps(cfg) == TEXT


@pytest.mark.parametrize("value", [hm.Server(name="s", address="a"), None, "backend x"])
def test_adding_what_is_not_a_section(value: object) -> None:
    cfg = hm.parse(TEXT)
    with pytest.raises(hm.InvalidType, match="a section is added here"):
        cfg.add(value)  # type: ignore[arg-type]
    assert hm.dumps(cfg) == TEXT


def test_defaults_by_position_and_name() -> None:
    cfg = hm.parse("defaults\n    mode http\ndefaults base\n    mode tcp\n")
    assert cfg.defaults[0].name is None and cfg.defaults[-1].name == "base"
    assert cfg.defaults["base"] is cfg.defaults[1]
    assert [d.name for d in cfg.defaults] == [None, "base"]
    with pytest.raises(hm.NotFound, match=r"no defaults section at position 2 \(there are 2\)"):
        cfg.defaults[2]
    with pytest.raises(IndexError):  # a sequence's error too
        hm.parse("global\n").defaults[0]
    with pytest.raises(hm.InvalidType, match="takes a position or a name, not NoneType"):
        cfg.defaults[None]  # type: ignore[call-overload]


def test_validate_takes_one_code_or_a_list_of_them() -> None:
    cfg = hm.parse("backend b\n    balance nope\n")
    found = {d.code for d in hm.validate(cfg)}
    assert "unknown-balance" in found
    for key in ("unknown-balance", ["unknown-balance"]):
        assert {d.code for d in hm.validate(cfg, select=key)} == {"unknown-balance"}
        assert {d.code for d in hm.validate(cfg, ignore=key)} == found - {"unknown-balance"}
    for bad, words in (([205], "not int 205"), (3, "not int"), ([None], "not NoneType")):
        with pytest.raises(hm.InvalidType, match=words):
            hm.validate(cfg, select=bad)  # type: ignore[arg-type]


def test_renaming_a_section_and_its_from() -> None:
    text = (
        "defaults base\n  mode http\ndefaults other from base\n"
        "backend b   # the app\n  server s 1.1.1.1:80\nbackend c from base\n"
    )
    cfg = hm.parse(text)
    cfg.backends["b"].name = "app"  # one word changes; the comment stays
    assert hm.dumps(cfg) == text.replace("backend b   #", "backend app   #")
    assert list(cfg.backends) == ["app", "c"] and "b" not in cfg.backends
    cfg.backends["c"].from_ = "other"
    cfg.backends["app"].from_ = "base"
    cfg.defaults["other"].from_ = None
    assert hm.dumps(cfg) == (
        "defaults base\n  mode http\ndefaults other\n"
        "backend app from base   # the app\n  server s 1.1.1.1:80\nbackend c from other\n"
    )
    assert cfg.backends["c"].from_ == "other"
    cfg.defaults["base"].name = None  # a defaults section may go without a name
    assert hm.dumps(cfg).startswith("defaults\n")
    with pytest.raises(hm.InvalidValue, match="a backend section needs a name"):
        cfg.backends["app"].name = None
    with pytest.raises(hm.InvalidValue, match="not a valid HAProxy name"):
        cfg.backends["app"].name = "bad name"
    with pytest.raises(hm.InvalidValue, match="takes no 'from'"):
        hm.parse("global\n").global_.from_ = "x"  # type: ignore[union-attr]
