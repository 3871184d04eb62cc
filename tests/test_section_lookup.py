"""``cfg.backends[name]`` and friends find the same section as a walk of the file would,
through every kind of change, while large files are not walked on every lookup."""

from __future__ import annotations

import pytest

import haproxy_model as hm

TEXT = """\
global
    maxconn 10

defaults
    mode http

backend a
    server s1 127.0.0.1:1

backend b
    server s1 127.0.0.1:2

frontend f
    bind :80
    default_backend a
"""


def walked(cfg: hm.Config, cls: type, name: str) -> object:
    """What a plain walk of every section finds (the definition)."""
    return next((s for s in cfg.sections if isinstance(s, cls) and s.name == name), None)


def agree(cfg: hm.Config) -> None:
    names = {s.name for s in cfg.sections if s.name} | {"nope", "x"}
    for cls, view in ((hm.Backend, cfg.backends), (hm.Frontend, cfg.frontends)):
        for name in names:
            expected = walked(cfg, cls, name)
            assert (name in view) == (expected is not None), name
            if expected is None:
                with pytest.raises(hm.NotFound):
                    view[name]
            else:
                assert view[name] is expected


def test_lookups_follow_every_change() -> None:
    cfg = hm.parse(TEXT)
    agree(cfg)
    a = cfg.backends["a"]
    a.servers["s1"].maxconn = 5  # an edit inside a section keeps the index
    agree(cfg)
    cfg.backends["b"].header.set_word(1, "c")  # renamed
    agree(cfg)
    assert "b" not in cfg.backends and cfg.backends["c"].servers["s1"].port == 2
    cfg.backends["c"].header.set_word(1, "a")  # now two backends named a: the first one counts
    agree(cfg)
    assert cfg.backends["a"] is a
    del cfg.backends["a"]  # removes the first
    agree(cfg)
    assert cfg.backends["a"].servers["s1"].port == 2
    cfg.backends.add(hm.Backend(name="n"))
    agree(cfg)
    first = hm.Backend(name="a")
    cfg.body.insert(0, first)  # put before the others by hand
    agree(cfg)
    assert cfg.backends["a"] is first
    cfg.body = list(reversed(cfg.body))  # a new list
    agree(cfg)
    cfg.body[0:0] = [hm.Frontend(name="x")]
    agree(cfg)
    assert cfg.frontends["x"].name == "x"


def test_sections_in_if_blocks_are_found() -> None:
    cfg = hm.parse(TEXT + ".if defined(X)\nbackend z\n    server s 127.0.0.1:3\n.endif\n")
    agree(cfg)
    assert cfg.backends["z"].servers["s"].port == 3
    cfg.backends["z"].header.set_word(1, "y")
    agree(cfg)


def test_header_replaced_by_hand() -> None:
    cfg = hm.parse(TEXT)
    agree(cfg)
    b = cfg.backends["b"]
    b.header = hm.parse("backend q\n").sections[0].header
    agree(cfg)
    assert cfg.backends["q"] is b


def test_an_index_carried_by_pickle_or_copy_is_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pickled index's change count belongs to another process (whose count may
    happen to equal this one's): it is never taken as holding unchecked."""
    import copy
    import pickle

    from haproxy_model.syntax import tracking

    cfg = hm.parse(TEXT)
    cfg.backends["a"]  # the index is built
    cfg.backends["a"].header.raw = "backend renamed"  # the index no longer holds
    for carried in (pickle.loads(pickle.dumps(cfg)), copy.deepcopy(cfg)):
        index = carried._index
        assert index is not None
        # as if this process had counted exactly as many changes as the other one
        monkeypatch.setattr(tracking, "_changes", index.seen[1])
        agree(carried)
        assert "a" not in carried.backends
        assert carried.backends["renamed"] is walked(carried, hm.Backend, "renamed")
