#!/usr/bin/env bash
# Interop rig: drives real third-party clients (MSAL Python, roadtx, MSAL Node, Debian
# Chromium through playwright-core) against a real Cerulean test server.
#
#   bash interop/run.sh                 # every suite
#   bash interop/run.sh msal node       # some suites: msal roadtx node browser
#
# Environment:
#   CERULEAN_TESTKIT_BIN   use this cerulean-testkit binary instead of building one
#   INTEROP_NO_INSTALL=1   do not install clients (fail if they are missing)
#   INTEROP_PYTEST_ARGS    extra pytest arguments (e.g. "-k device_code")
#
# Prints `interop: N passed, M failed` last and exits non-zero if any suite failed.
# Logs, JUnit XML, saved pages and screenshots go to artifacts/interop/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="$ROOT/interop"
ART="$ROOT/artifacts/interop"
VENV="$INTEROP/.venv"
NODE_DIR="$INTEROP/node"
ALL_SUITES=(msal roadtx node browser)
SUITE_TIMEOUT="${INTEROP_SUITE_TIMEOUT:-240}"

log() { printf '== interop: %s\n' "$*"; }
die() { printf 'interop: error: %s\n' "$*" >&2; exit 2; }

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=("${ALL_SUITES[@]}")
for s in "${suites[@]}"; do
  case " ${ALL_SUITES[*]} " in *" $s "*) ;; *) die "unknown suite '$s' (known: ${ALL_SUITES[*]})" ;; esac
done
want() { case " ${suites[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

rm -rf "$ART"
mkdir -p "$ART/screenshots"

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# ---- 1. the test kit binary ------------------------------------------------------------------
if [ -n "${CERULEAN_TESTKIT_BIN:-}" ]; then
  BIN="$CERULEAN_TESTKIT_BIN"
  [ -x "$BIN" ] || die "CERULEAN_TESTKIT_BIN=$BIN is not executable"
else
  log "building cerulean-testkit"
  (cd "$ROOT" && cargo build --quiet -p cerulean-testkit --bin cerulean-testkit) \
    || die "cargo build -p cerulean-testkit --bin cerulean-testkit failed"
  TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  BIN="$TARGET_DIR/debug/cerulean-testkit"
  [ -x "$BIN" ] || die "built, but $BIN is missing (CARGO_TARGET_DIR?)"
fi

# ---- 2. clients (idempotent; cached in interop/.venv and interop/node/node_modules) ----------
install_python() {
  local want_stamp have_stamp
  want_stamp="$(stamp_of "$INTEROP/python/requirements.txt" "$INTEROP/python/constraints.txt")"
  have_stamp="$(cat "$VENV/.cerulean-stamp" 2>/dev/null || true)"
  [ "$want_stamp" = "$have_stamp" ] && return 0
  [ -n "${INTEROP_NO_INSTALL:-}" ] && die "Python clients missing and INTEROP_NO_INSTALL is set"
  log "installing Python clients into interop/.venv (msal, roadtx, pytest)"
  command -v python3 >/dev/null || die "python3 not found"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (is python3-venv installed?)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input \
    -r "$INTEROP/python/requirements.txt" -c "$INTEROP/python/constraints.txt" \
    || die "pip install of interop/python/requirements.txt failed"
  echo "$want_stamp" > "$VENV/.cerulean-stamp"
}

install_node() {
  local want_stamp have_stamp
  command -v node >/dev/null || die "node not found (Node.js 20 is expected on the machine)"
  want_stamp="$(stamp_of "$NODE_DIR/package.json" "$NODE_DIR/package-lock.json")"
  have_stamp="$(cat "$NODE_DIR/node_modules/.cerulean-stamp" 2>/dev/null || true)"
  [ "$want_stamp" = "$have_stamp" ] && return 0
  [ -n "${INTEROP_NO_INSTALL:-}" ] && die "Node clients missing and INTEROP_NO_INSTALL is set"
  log "installing Node clients into interop/node/node_modules (npm ci)"
  # playwright-core never downloads a browser; the rig uses Debian's /usr/bin/chromium.
  (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm ci in interop/node failed"
  echo "$want_stamp" > "$NODE_DIR/node_modules/.cerulean-stamp"
}

install_chromium() {
  if [ -x /usr/bin/chromium ] && command -v certutil >/dev/null; then return 0; fi
  [ -n "${INTEROP_NO_INSTALL:-}" ] && die "/usr/bin/chromium or certutil missing and INTEROP_NO_INSTALL is set"
  [ "$(id -u)" -eq 0 ] || die "Debian chromium and libnss3-tools are needed: run as root or: apt-get install chromium libnss3-tools"
  log "installing Debian chromium and libnss3-tools (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq chromium libnss3-tools >/dev/null || die "apt-get install chromium libnss3-tools failed"
  [ -x /usr/bin/chromium ] || die "apt-get installed chromium, but /usr/bin/chromium is missing"
}

# The roadtx device suite checks certificates with the openssl CLI.
install_openssl() {
  command -v openssl >/dev/null && return 0
  [ -n "${INTEROP_NO_INSTALL:-}" ] && die "openssl missing and INTEROP_NO_INSTALL is set"
  [ "$(id -u)" -eq 0 ] || die "the openssl CLI is needed: run as root or: apt-get install openssl"
  log "installing Debian openssl (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq openssl >/dev/null || die "apt-get install openssl failed"
}

if want msal || want roadtx; then install_python; fi
if want roadtx; then install_openssl; fi
if want node || want browser; then install_node; fi
if want browser; then install_chromium; fi

# ---- 3. the server -----------------------------------------------------------------------------
READY="$ART/ready.json"
SERVER_LOG="$ART/server.log"
rm -f "$READY"
# The server's stdin is a FIFO this script holds open: if the script dies, however it dies,
# the server sees end of file and stops.
FIFO="$(mktemp -u "${TMPDIR:-/tmp}/cerulean-interop.XXXXXX")"
mkfifo "$FIFO"
RUST_LOG="${RUST_LOG:-info,sqlx=warn,cerulean_testkit=debug}" \
  "$BIN" serve --ready-file "$READY" <"$FIFO" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
exec 3>"$FIFO"
rm -f "$FIFO"

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    exec 3>&- || true
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

log "starting the test server"
for _ in $(seq 600); do
  [ -s "$READY" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "---- server log ($SERVER_LOG)" >&2; tail -n 40 "$SERVER_LOG" >&2
    die "cerulean-testkit serve exited before it was ready"
  fi
  sleep 0.1
done
if [ ! -s "$READY" ]; then
  echo "---- server log ($SERVER_LOG)" >&2; tail -n 40 "$SERVER_LOG" >&2
  die "cerulean-testkit serve wrote no ready file within 60 s"
fi
ready_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$READY" "$1"; }
HTTPS_URL="$(ready_field https_url)"
CA_PATH="$(ready_field ca_path)"
log "server at $HTTPS_URL, proxy at $(ready_field proxy_url)"
curl -fsS --cacert "$CA_PATH" "$HTTPS_URL/healthz" >/dev/null 2>&1 \
  || log "warning: GET $HTTPS_URL/healthz failed; the suites will probably fail too"

export CERULEAN_READY_FILE="$READY" CERULEAN_ARTIFACTS="$ART" PYTHONDONTWRITEBYTECODE=1

# ---- 4. the suites -----------------------------------------------------------------------------
declare -A STATUS=()
run_suite() { # name, junit file, command...
  local name="$1" junit="$2"; shift 2
  log "suite $name"
  set +e
  timeout --kill-after=10 "$SUITE_TIMEOUT" "$@" 2>&1 | tee "$ART/$name.log"
  local rc=${PIPESTATUS[0]}
  set -e
  [ $rc -eq 124 ] && echo "interop: suite $name timed out after ${SUITE_TIMEOUT}s"
  STATUS[$name]=$rc
  echo "$name $rc $junit" >> "$ART/suites.txt"
}

PYTEST=("$VENV/bin/python" -m pytest -c "$INTEROP/python/pytest.ini" ${INTEROP_PYTEST_ARGS:-})
: > "$ART/suites.txt"
if want msal; then
  run_suite msal "$ART/junit-msal.xml" \
    "${PYTEST[@]}" --junitxml="$ART/junit-msal.xml" "$INTEROP/python/test_msal.py"
fi
if want roadtx; then
  run_suite roadtx "$ART/junit-roadtx.xml" \
    "${PYTEST[@]}" --junitxml="$ART/junit-roadtx.xml" "$INTEROP/python/test_roadtx.py" "$INTEROP/python/test_roadtx_device.py"
fi
NODE_TEST=(node --test --test-concurrency=1 --test-timeout=120000
           --test-reporter=spec --test-reporter-destination=stdout)
if want node; then
  run_suite node "$ART/junit-node.xml" env NODE_EXTRA_CA_CERTS="$CA_PATH" \
    "${NODE_TEST[@]}" --test-reporter=junit --test-reporter-destination="$ART/junit-node.xml" \
    "$NODE_DIR/drive.mjs"
fi
if want browser; then
  run_suite browser "$ART/junit-browser.xml" env NODE_EXTRA_CA_CERTS="$CA_PATH" \
    "${NODE_TEST[@]}" --test-reporter=junit --test-reporter-destination="$ART/junit-browser.xml" \
    "$INTEROP/browser/signin.test.mjs"
fi

stop_server
trap - EXIT

# ---- 5. the count ------------------------------------------------------------------------------
python3 "$INTEROP/summary.py" "$ART/suites.txt"
