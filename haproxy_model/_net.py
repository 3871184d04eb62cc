"""A free TCP port for local servers (tests, the demo, benchmarks)."""

from __future__ import annotations

import random
import socket

#: Ports handed out, below Linux's ephemeral range (32768-60999) and below the
#: 30000+ ports Ray Serve gives its replicas: a port taken from the ephemeral
#: range can be grabbed by an outgoing connection (Ray opens many) between the
#: moment it is found free and the moment a server binds it.
PORT_RANGE = (20000, 29999)

_given: set[int] = set()


def free_port() -> int:
    """A TCP port free on every address now, not handed out before by this process."""
    low, high = PORT_RANGE
    for _ in range(1000):
        port = random.randint(low, high)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise OSError(f"no free TCP port in {low}-{high}")
