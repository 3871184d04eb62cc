"""Following defaults links: the one walk validation, explain and graph share."""

from __future__ import annotations

from haproxy_model.base.chains import follow


def test_follow_stops_at_the_end_and_at_a_loop() -> None:
    links = {1: 2, 2: 3, 3: None}
    assert list(follow(1, links.get)) == [1, 2, 3]
    loop = {1: 2, 2: 1}
    assert list(follow(1, loop.get)) == [1, 2]
