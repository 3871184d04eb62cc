#!/usr/bin/env bash
# Install what the tests and the demo need on a fresh Debian machine:
# Debian's haproxy (the real binary the tests run), Debian's graphviz (`dot`:
# `graph --format svg`, and the tests that check the dot output) and this
# package with its test and Ray extras.  Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

if ! command -v haproxy >/dev/null || [ ! -e /usr/share/doc/haproxy/configuration.txt.gz ] \
    || ! command -v dot >/dev/null; then
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q haproxy graphviz
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test,ray]"
