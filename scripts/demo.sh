#!/usr/bin/env bash
# The main demo: a real Ray Serve app behind an HAProxy kept in sync through the
# runtime API (backpressure in HAProxy's queue, scale-up with no reload).
# Sets up first (Debian's haproxy, this package with its Ray extra), then runs
# `python -m haproxy_model.adapters.ray_serve.demo`; bounded to ~3 minutes,
# loopback only, and it stops every Ray/HAProxy process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python3 -m haproxy_model.adapters.ray_serve.demo "$@"
