#!/usr/bin/env bash
# The main job on a register map (default: the bundled camera): set up if needed, check the
# map, and generate every artifact into build/<device>/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh
export PATH="$root/.venv/bin:$PATH"
regmap="${1:-regmap/camera.yaml}"
out="${2:-build/$(basename "$regmap" .yaml)}"

echo "== camtwin check $regmap"
camtwin check "$regmap"
echo "== camtwin generate $regmap -o $out"
camtwin generate "$regmap" -o "$out"
echo "== done: artifacts in $out"
