#!/usr/bin/env bash
# The main job on a register map (default: the bundled camera): set up if needed, check the
# map, generate every artifact into build/<map file name>/ and, for the camera, run a short
# co-verification regression on both simulators and the timing report.
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
# The regression and the timing spec drive the camera's features: they run on the camera map.
if [[ "$(realpath "$regmap")" == "$root/regmap/camera.yaml" ]]; then
    echo "== camtwin regress $regmap --sim all"
    camtwin regress "$regmap" --sim all
    echo "== camtwin timing timingspec/specs/camera-timing.yaml --regmap $regmap -o $out/timing"
    camtwin timing timingspec/specs/camera-timing.yaml --regmap "$regmap" -o "$out/timing"
fi
echo "== done: artifacts in $out"
