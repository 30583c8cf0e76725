#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit tests, storage tests on SQLite and
# PostgreSQL, API tests over loopback and browser tests in headless Chromium.
# Installs what the tests need when it is missing (Debian/Ubuntu: chromium,
# chromium-driver, fonts-noto-cjk, poppler-utils; the law search's sentence-embedding model through
# scripts/semantic-model.sh) and starts the local PostgreSQL if it is stopped.
# With CI=true the PostgreSQL, browser and semantic-model tests are mandatory.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || missing+=(fonts-noto-cjk)
# pdftotext reads the Chinese text back out of the official documents' PDFs.
[ -x /usr/bin/pdftotext ] || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# axe-core, the accessibility checker the browser tests run in each public page (npm;
# kept outside the repository). Mandatory under CI=true, like the browser tests.
command -v npm >/dev/null 2>&1 || { echo "== installing npm"; as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq npm >/dev/null; }
AXE_DIR="${GONGDAO_NODE_DIR:-$HOME/.cache/gongdao/node}"
AXE_VERSION=4.14.1
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] || ! grep -q "\"version\": \"$AXE_VERSION\"" "$AXE_DIR/node_modules/axe-core/package.json"; then
  echo "== installing axe-core $AXE_VERSION"
  mkdir -p "$AXE_DIR"
  (cd "$AXE_DIR" && npm install --no-audit --no-fund --silent --prefix "$AXE_DIR" "axe-core@$AXE_VERSION") \
    || echo "== axe-core could not be installed: the accessibility checks will be skipped (fail under CI=true)"
fi
export GONGDAO_AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"

# Schemathesis, which tests the served OpenAPI document against the running server
# (PyPI, in its own virtual environment outside the repository). Mandatory under CI=true.
ST_DIR="${GONGDAO_SCHEMATHESIS_DIR:-$HOME/.cache/gongdao/schemathesis}"
ST_VERSION=4.32.5
if ! "$ST_DIR/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION"
  { python3 -m venv "$ST_DIR" 2>/dev/null || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null; python3 -m venv "$ST_DIR"; }; } \
    && "$ST_DIR/bin/pip" install --quiet "schemathesis==$ST_VERSION" \
    || echo "== schemathesis could not be installed: the schema tests will be skipped (fail under CI=true)"
fi
export GONGDAO_SCHEMATHESIS="$ST_DIR/bin/st"

# The optional sentence-embedding model of the law search (downloaded through pip and
# compiled here; kept outside the repository). Its tests are mandatory under CI=true.
if ! bash scripts/semantic-model.sh; then
  echo "== the semantic model could not be installed: its tests will be skipped (fail under CI=true)"
fi

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "== starting PostgreSQL"
  for v in /etc/postgresql/*; do as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true; done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if pg_up; then echo "== PostgreSQL on 127.0.0.1:5432"; else echo "== PostgreSQL not reachable: its tests will be skipped (fail under CI=true)"; fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace
