#!/usr/bin/env bash
# The whole test suite: set up if needed, lint, then every default test (soaks excluded).
# Extra arguments go to pytest (e.g. -m soak, -k debouncer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export PATH="$root/.venv/bin:$PATH"

echo "== lint: ruff check"
ruff check .
echo "== lint: ruff format --check"
ruff format --check .
echo "== tests"
# pytest exits non-zero on any failure and with status 5 when no test ran.
exec pytest -n "${CAMTWIN_JOBS:-2}" --junitxml=build/test-results.xml "$@"
