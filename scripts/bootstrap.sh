#!/usr/bin/env bash
# Set up camtwin on a Debian 12 machine: system packages (as root, via apt-get)
# and a virtual environment in .venv with camtwin and its dependencies.
# Idempotent: a second run only checks stamps and returns in well under a second (after an edit
# of the firmware model it compiles the model again, about 20 s, and says so).
# Concurrent runs (scripts/test.sh and scripts/main-job.sh started together) are serialised
# with flock on .venv.lock next to .venv: one installs, the others wait and find it ready.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

# Held until the script exits (the descriptor closes with it).
exec 9>"$root/.venv.lock"
flock 9

apt_packages=(iverilog yosys build-essential python3-venv python3-dev liblz4-dev zlib1g-dev chromium
    aravis-tools aravis-tools-cli gir1.2-aravis-0.8 python3-gi iproute2 util-linux)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        say "missing system packages: ${missing[*]}; run this script as root or install them"
        exit 1
    fi
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp="$venv/.camtwin-stamp"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
# Ready: same pyproject.toml, the entry point exists, and the interpreter runs and imports the
# installed camtwin (-I: not a camtwin/ in the current directory).
# The firmware model's cycle loop compiled with mypyc, once per source text (a no-op when
# built): without it the model runs interpreted, correct but about 2.5x slower.
compile_model() {
    CAMTWIN_MODEL=auto "$venv/bin/python" -m firmware_model.compile --quiet \
        || say "the firmware model runs interpreted: it could not be compiled (see above)"
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/camtwin" ]] \
    && "$venv/bin/python" -I -c 'import camtwin' >/dev/null 2>&1; then
    compile_model
    exit 0
fi

if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    say "creating virtual environment in $venv"
    "$python" -m venv --clear "$venv"
fi
say "installing camtwin and its dependencies into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$root[test]"
echo "$want" >"$stamp"
compile_model
say "ready"
