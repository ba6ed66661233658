"""Render a simulation :class:`~firmware_model.simulate.Result` as a timing diagram or WaveJSON."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .model import OUTPUT_PINS
from .simulate import SIGNALS, Result

__all__ = ["DEFAULT_SIGNALS", "plot_timing", "to_wavejson"]

DEFAULT_SIGNALS = ("line1_in", "line2_i", *OUTPUT_PINS)
"""One-bit signals drawn by default (``line_status`` is 3 bits and drawn as a bus)."""


def _window(result: Result, start: int | None, end: int | None) -> tuple[int, int]:
    lo = 0 if start is None else start
    hi = result.cycles if end is None else end
    if not 0 <= lo < hi <= max(result.cycles, 1):
        raise ValueError(
            f"window must satisfy 0 <= start < end <= {result.cycles}, not [{lo}, {hi})"
        )
    return lo, hi


def _check_signals(signals: Sequence[str]) -> None:
    for s in signals:
        if s not in SIGNALS:
            raise KeyError(f"no signal named {s!r}; signals are {', '.join(SIGNALS)}")


def to_wavejson(
    result: Result,
    signals: Sequence[str] = (*DEFAULT_SIGNALS, "line_status"),
    start: int | None = None,
    end: int | None = None,
    max_ticks: int = 300,
) -> dict[str, Any]:
    """WaveDrom WaveJSON of ``[start, end)``; one tick per cycle, or per change when too long.

    In the compressed form each tick is a cycle where some drawn signal changes, a ``|`` gap
    marks skipped cycles, and a ``cycle`` lane gives each tick's cycle number.
    """
    _check_signals(signals)
    lo, hi = _window(result, start, end)
    if hi - lo <= max_ticks:
        ticks = list(range(lo, hi))
        compressed = False
    else:
        cycles = {lo}
        for s in signals:
            for c, _v in result.edges[s]:
                if lo <= c < hi:
                    cycles.add(c)
                    if c + 1 < hi:
                        cycles.add(c + 1)
        ticks = sorted(cycles)[:max_ticks]
        compressed = True
    lanes: list[dict[str, Any]] = []
    for s in signals:
        wave, data, prev = [], [], None
        for i, c in enumerate(ticks):
            v = result.level(s, c)
            gap = compressed and i > 0 and c - ticks[i - 1] > 1
            if v == prev:
                ch = "|" if gap else "."
            elif s == "line_status":
                ch = "="
                data.append(f"{v:03b}")
            else:
                ch = str(v)
            wave.append(ch)
            prev = v
        lane: dict[str, Any] = {"name": s, "wave": "".join(wave)}
        if data:
            lane["data"] = data
        lanes.append(lane)
    if compressed:
        lanes.append({"name": "cycle", "wave": "=" * len(ticks), "data": [str(c) for c in ticks]})
    return {
        "signal": lanes,
        "head": {"text": f"camtwin model, cycles {lo}..{hi - 1} at {result.clock_hz} Hz"},
        "config": {"hscale": 1},
    }


def plot_timing(
    result: Result,
    path: str | Path,
    signals: Sequence[str] = DEFAULT_SIGNALS,
    start: int | None = None,
    end: int | None = None,
    title: str = "",
) -> Path:
    """Draw the signals of ``[start, end)`` as a PNG timing diagram (time axis in µs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _check_signals(signals)
    lo, hi = _window(result, start, end)
    us = 1e6 / result.clock_hz
    fig, axes = plt.subplots(
        len(signals), 1, sharex=True, figsize=(11, 0.55 * len(signals) + 1.2), squeeze=False
    )
    for ax, s in zip(axes[:, 0], signals, strict=True):
        xs, ys = [lo * us], [result.level(s, lo)]
        for c, v in result.edges[s]:
            if lo < c < hi:
                xs.append(c * us)
                ys.append(v)
        xs.append(hi * us)
        ys.append(ys[-1])
        ax.step(xs, ys, where="post", linewidth=1.2)
        ax.set_ylim(-0.2, max(1, max(ys)) + 0.2)
        ax.set_yticks([])
        ax.set_ylabel(s, rotation=0, ha="right", va="center", fontsize=8)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    axes[-1, 0].set_xlabel("time (µs)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
