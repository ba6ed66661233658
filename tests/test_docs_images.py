"""The documentation's pictures are generated: scripts/docs-images.py writes exactly the
committed docs/images/*.png, and docs/firmware-model.md shows each of them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_committed_pictures_are_what_the_script_writes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs-images.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in IMAGES.glob("*.png"))
    for name in made:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert data == (IMAGES / name).read_bytes(), f"{name}: run scripts/docs-images.py"


def test_check_mode_finds_a_stale_picture(tmp_path: Path) -> None:
    script = str(ROOT / "scripts" / "docs-images.py")
    subprocess.run([sys.executable, script, "--out", str(tmp_path)], check=True, timeout=120)
    (tmp_path / "pattern-MonoBar.png").write_bytes(PNG_MAGIC)
    proc = subprocess.run(
        [sys.executable, script, "--out", str(tmp_path), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.strip().endswith(
        "pattern-MonoBar.png: missing or out of date (run scripts/docs-images.py)"
    )


def test_the_guide_shows_every_picture() -> None:
    text = (ROOT / "docs" / "firmware-model.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"!\[[^\]]*\]\(images/([\w.-]+\.png)\)", text))
    assert shown == {p.name for p in IMAGES.glob("*.png")}
