#!/usr/bin/env bash
# Runs every test of osc4j: unit tests, and integration tests against real MariaDB, etcd, HAProxy and
# pt-online-schema-change, which the tests start themselves. Installs those packages first if they are missing
# (Debian/Ubuntu; needs root or sudo the first time). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
exec mvn -B -T1 verify "$@"
