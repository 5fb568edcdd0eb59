#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for the
# `postgres` role, installing and starting Debian's package if needed. Idempotent.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null 2>&1 && ready; then
  echo "PostgreSQL is running on 127.0.0.1:5432"
  exit 0
fi

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
conf_dir="/etc/postgresql/$version/main"
# Trust auth on loopback, as the tests expect (a throwaway CI database, never production).
if ! grep -q "cerulean-ci" "$conf_dir/pg_hba.conf"; then
  sed -i '1i host all all 127.0.0.1/32 trust # cerulean-ci\nhost all all ::1/128 trust # cerulean-ci' "$conf_dir/pg_hba.conf"
fi
echo "Starting PostgreSQL $version …"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  if ready; then
    echo "PostgreSQL is running on 127.0.0.1:5432"
    exit 0
  fi
  sleep 1
done
echo "error: PostgreSQL did not start on 127.0.0.1:5432; see /var/log/postgresql/" >&2
exit 1
