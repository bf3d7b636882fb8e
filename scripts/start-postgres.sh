#!/usr/bin/env bash
# Make sure a PostgreSQL server listens on 127.0.0.1 for the storage tests, with a role
# `cloudcti_test` (password `cloudcti_test`, may create databases). Idempotent, and quick
# when the server already runs. Needs root (CI, a fresh Debian 12 machine) the first time;
# a developer without root whose server already has the role needs nothing from it, and
# one without a server gets a warning (the PostgreSQL tests skip; under CI they fail).
# Prints nothing on success; the URL the tests use is CLOUDCTI_TEST_POSTGRES_URL
# (default postgresql://cloudcti_test:cloudcti_test@127.0.0.1:5432/postgres).
set -euo pipefail

role=cloudcti_test
port="${CLOUDCTI_TEST_POSTGRES_PORT:-5432}"

ready() { pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; }

if ! ready; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not running on 127.0.0.1:$port (start it as root: scripts/start-postgres.sh)" >&2
    # Locally the PostgreSQL tests then skip with this reason; CI must run them.
    [ -n "${CI:-}" ] && exit 1
    exit 0
  fi
  if ! command -v pg_lsclusters >/dev/null; then
    echo "PostgreSQL is not installed (scripts/ensure-debian-packages.sh installs it)" >&2
    exit 1
  fi
  # The newest installed cluster; create one if the package left none.
  cluster=$(pg_lsclusters --no-header | sort -k1,1V | tail -n1 || true)
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_createcluster "$version" main --port "$port" >/dev/null
    cluster=$(pg_lsclusters --no-header | sort -k1,1V | tail -n1)
  fi
  read -r version name _ <<<"$cluster"
  pg_ctlcluster "$version" "$name" start || true
  for _ in $(seq 1 50); do ready && break; sleep 0.2; done
  ready || { echo "PostgreSQL $version/$name did not start" >&2; exit 1; }
fi

if [ "$(id -u)" -eq 0 ]; then
  exists=$(runuser -u postgres -- psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")
  if [ "$exists" != "1" ]; then
    runuser -u postgres -- psql -p "$port" -q -c \
      "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$role'"
  fi
fi
