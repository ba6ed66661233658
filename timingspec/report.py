"""Running a spec and writing its reports: HTML (self-contained), Markdown and JSON.

The Markdown report shows the same timing diagrams as the HTML one, as PNG files in
``diagrams/`` next to it; the HTML report embeds them (base64 data URIs).
"""

from __future__ import annotations

import base64
import io
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from firmware_model.electrical import line0_waveform, load_opto_data
from regmap import RegisterMap

from .engine import Backend, run_model
from .measure import Result, Trace, evaluate
from .spec import Bound, Requirement, Spec, loads_spec
from .units import BASE_UNIT, format_value

__all__ = [
    "Progress",
    "Run",
    "datasheet_tables",
    "diagram_png",
    "format_bound",
    "format_quantity",
    "run_spec",
    "write_reports",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
DIAGRAMS = "diagrams"
"""The folder, next to the reports, of the per-requirement diagrams ``<requirement>.png``."""


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def format_quantity(value: float | None, dimension: str) -> str:
    """A measured value or margin for humans (1 ps / 1 nHz resolution, no float noise)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if dimension == "time":
        v = round(value, 6)  # 1 ps
        mag = abs(v)
        for factor, unit in ((1e6, "s"), (1e3, "ms"), (1.0, "µs"), (1e-3, "ns")):
            if mag >= factor or factor == 1e-3:
                return f"{v / factor:.12g} {unit}"
    if dimension == "frequency":
        return f"{round(value, 6):.9g} Hz"
    return format_value(value, dimension)


def format_bound(bound: Bound, dimension: str) -> str:
    """``lo ≤ x ≤ hi`` or ``typ ± tol`` with the values the expressions evaluate to."""
    q = lambda v: format_quantity(v, dimension)  # noqa: E731
    if bound.typ is not None and bound.min is None and bound.max is None:
        tol = bound.tol_abs
        pct = f" ({bound.tol.value:g} %)" if bound.tol and bound.tol.dimension == "percent" else ""
        return f"{q(bound.typ.value)} ± {q(tol)}{pct}" if tol else f"= {q(bound.typ.value)}"
    lo, hi = bound.limits()
    if math.isinf(lo):
        return f"≤ {q(hi)}"
    if math.isinf(hi):
        return f"≥ {q(lo)}"
    return f"{q(lo)} … {q(hi)}"


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------


class Progress:
    """A progress bar on a TTY, one plain line per step otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.done = 0

    def step(self, label: str) -> None:
        """Report that the item ``label`` is being worked on."""
        self.done += 1
        if self.tty:
            filled = self.width * self.done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            line = f"\r[{bar}] {self.done}/{self.total} {label}"
            self.stream.write(line[:100].ljust(100))
        else:
            self.stream.write(f"[{self.done}/{self.total}] {label}\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """A spec's results, with the optional RTL confirmation and the datasheet tables."""

    spec: Spec
    rmap: RegisterMap
    regmap_path: str
    results: list[Result]
    rtl: dict[str, Result] = field(default_factory=dict)
    rtl_simulator: str = ""
    tables: dict[str, Any] = field(default_factory=dict)
    rtl_na: list[str] = field(default_factory=list)
    """Requirements with no RTL part (electrical model only): not run on the RTL."""
    rtl_seconds: float = 0.0

    @property
    def failed(self) -> list[str]:
        """Names of the requirements that failed (on the model or on the RTL)."""
        out = [r.name for r in self.results if not r.passed]
        for r in self.results:
            if r.name in self.rtl and not _agrees(r, self.rtl[r.name]) and r.name not in out:
                out.append(r.name)
        return out


RTL_NA_KINDS = ("opto_output", "electrical")
"""Measurements of the electrical model only (Table 3-4 figures, Line1/Line2 limits): no RTL
part."""


def _agrees(model: Result, rtl: Result) -> bool:
    """The RTL confirms the model: same measurement and verdict, and every RTL run equal to the
    firmware model replaying it (``Measurement.mismatches`` empty)."""
    if rtl.measurement.mismatches:
        return False
    a, b = model.measurement.value, rtl.measurement.value
    if a is None or b is None:
        return a is b and model.passed == rtl.passed
    return abs(a - b) <= 1e-9 * max(1.0, abs(a)) and model.passed == rtl.passed


def rtl_status(r: Result, run: Run) -> str:
    """``agrees``, ``differs: ...``, ``n/a on RTL``, or empty without ``--rtl``."""
    if r.name in run.rtl_na:
        return "n/a on RTL"
    rtl = run.rtl.get(r.name)
    if rtl is None:
        return ""
    if _agrees(r, rtl):
        return "agrees"
    dim = r.requirement.measure.dimension
    a, b = r.measurement.value, rtl.measurement.value
    if (a is None) != (b is None) or (
        a is not None and b is not None and abs(a - b) > 1e-9 * max(1.0, abs(a))
    ):
        return f"differs: {format_quantity(b, dim)}" + (
            f" ({rtl.measurement.note})" if rtl.measurement.note else ""
        )
    if r.passed != rtl.passed:
        return f"differs: the RTL {'passes' if rtl.passed else 'fails'}"
    return f"differs from the model replay: {rtl.measurement.mismatches[0]}"


def run_spec(
    spec: Spec,
    rmap: RegisterMap,
    regmap_path: str,
    *,
    backend: Backend = run_model,
    rtl: tuple[str, Backend] | None = None,
    progress: Callable[[str], None] | None = None,
    tables: bool = True,
) -> Run:
    """Evaluate every requirement (and the datasheet tables) on the model, maybe the RTL."""
    results = []
    rtl_results: dict[str, Result] = {}
    rtl_na: list[str] = []
    rtl_seconds = 0.0
    for req in spec.requirements:
        if progress:
            progress(req.name)
        results.append(evaluate(rmap, req, backend))
        if rtl is not None:
            if req.measure.kind in RTL_NA_KINDS:
                rtl_na.append(req.name)
                continue
            t0 = time.perf_counter()
            rtl_results[req.name] = evaluate(rmap, req, rtl[1])
            rtl_seconds += time.perf_counter() - t0
    run = Run(spec, rmap, regmap_path, results, rtl_results, rtl[0] if rtl else "")
    run.rtl_na = rtl_na
    run.rtl_seconds = rtl_seconds
    if tables:
        if progress:
            progress("datasheet tables")
        run.tables = datasheet_tables(rmap, backend)
    return run


# ---------------------------------------------------------------------------------------------
# Derived datasheet tables
# ---------------------------------------------------------------------------------------------

DEBOUNCE_US = (0, 10, 1500)
DELAY_US = (0, 250, 1_000_000)


def _grid_spec(debounce: Sequence[float], delay: Sequence[float]) -> str:
    reqs = []
    for n in debounce:
        for d in delay:
            for to in ("frame_start", "line0_ext.rise"):
                reqs.append(
                    {
                        "name": f"grid-{n}-{d}-{to}",
                        "config": {
                            "TriggerMode[FrameStart]": "On",
                            "TriggerSource[FrameStart]": "Line1",
                            "LineSource[Line0]": "ExposureActive",
                            "ExposureTime": "100 us",
                            "LineDebouncerTime[Line1]": f"{n} us",
                            "TriggerDelay[FrameStart]": f"{d} us",
                        },
                        "stimulus": {
                            "line1": {
                                "pulses": {
                                    "start": "100 us",
                                    "width": "2 ms",
                                    # above the 10.49 ms frame period at reset (full-size
                                    # Mono8 on the 1 Gb/s link): every pulse starts a frame
                                    "period": "20 ms",
                                    "count": 8,
                                }
                            },
                            "phases": 8,
                            "line0_pullup": "24 V",
                        },
                        "measure": {"kind": "latency", "from": "line1.rise", "to": to},
                        "bound": {"min": "0 us"},
                    }
                )
    return yaml.safe_dump({"spec": "datasheet-grid", "requirements": reqs}, sort_keys=False)


def _opto_spec(volts: Sequence[float]) -> str:
    reqs = [
        {
            "name": f"opto-{v:g}-{fig}",
            "config": {
                "TriggerMode[FrameStart]": "On",
                "TriggerSource[FrameStart]": "Line1",
                "LineSource[Line0]": "ExposureActive",
                "ExposureTime": "1 ms",
            },
            "stimulus": {
                "line1": {
                    "pulses": {"start": "100 us", "width": "10 us", "period": "20 ms", "count": 3}
                },
                "line0_pullup": f"{v:g} V",
            },
            "measure": {"kind": "opto_output", "figure": fig},
            "bound": {"min": "0 us"},
        }
        for v in volts
        for fig in ("tR", "tF", "tDR", "tDF")
    ]
    return yaml.safe_dump({"spec": "datasheet-opto", "requirements": reqs}, sort_keys=False)


def datasheet_tables(rmap: RegisterMap, backend: Backend = run_model) -> dict[str, Any]:
    """Latency/jitter versus debounce and delay settings, and Table 3-4 reproduced."""
    hz = rmap.clock_hz
    fixed = rmap.constant("FrameStartLatencyFixed")
    grid = loads_spec(_grid_spec(DEBOUNCE_US, DELAY_US), rmap, "<datasheet grid>")
    by_name = {r.name: evaluate(rmap, r, backend) for r in grid.requirements}
    latency_rows = []
    for n in DEBOUNCE_US:
        for d in DELAY_US:
            fs = by_name[f"grid-{n}-{d}-frame_start"].measurement
            out = by_name[f"grid-{n}-{d}-line0_ext.rise"].measurement
            n_c, d_c = round(n * hz / 1e6), round(d * hz / 1e6)
            documented = (fixed + max(n_c, 1) + d_c) * 1e6 / hz
            latency_rows.append(
                {
                    "debounce": format_quantity(n, "time"),
                    "delay": format_quantity(d, "time"),
                    "documented": format_quantity(documented, "time"),
                    "min": format_quantity(fs.details.get("min_us"), "time"),
                    "max": format_quantity(fs.details.get("max_us"), "time"),
                    "jitter": format_quantity(
                        fs.details["max_us"] - fs.details["min_us"] if fs.details else None,
                        "time",
                    ),
                    "out_min": format_quantity(out.details.get("min_us"), "time"),
                    "out_max": format_quantity(out.details.get("max_us"), "time"),
                    "values_us": {
                        "min": fs.details.get("min_us"),
                        "max": fs.details.get("max_us"),
                        "documented": documented,
                        "out_min": out.details.get("min_us"),
                        "out_max": out.details.get("max_us"),
                    },
                }
            )
    data = load_opto_data()
    opto = loads_spec(_opto_spec(data.table_v), rmap, "<datasheet opto>")
    measured = {r.name: evaluate(rmap, r, backend).measurement.value for r in opto.requirements}
    opto_rows = []
    for v, row in zip(data.table_v, data.table, strict=True):
        figs = {}
        for fig, ds in (
            ("tR", row.tr_us),
            ("tF", row.tf_us),
            ("tDR", row.tdr_us),
            ("tDF", row.tdf_us),
        ):
            m = measured[f"opto-{v:g}-{fig}"]
            figs[fig] = {
                "datasheet": ds,
                "measured": None if m is None else round(m, 6),
                "error_pct": None if m is None else round((m - ds) / ds * 100, 4),
            }
        opto_rows.append({"volts": v, "figures": figs})
    return {
        "latency": latency_rows,
        "table_3_4": opto_rows,
        "timing_source": data.timing_source,
        "line_limits": line_limit_rows(),
    }


def line_limit_rows() -> list[dict[str, Any]]:
    """Line0, Line1 and Line2 electrical figures: the manual's (data files) beside the model's
    (probed on the electrical model); Line1's also for each hardware variant where they
    differ."""
    from .electrical import FIGURES, manual_value, probe

    rows = []
    variants = ("standard", *load_opto_data().variants)
    for name, fig in FIGURES.items():
        for variant in variants if fig.line == "Line1" else ("standard",):
            manual = manual_value(name, variant)
            if variant != "standard" and manual == manual_value(name):
                continue
            model = probe(name, variant)
            rows.append(
                {
                    "line": fig.line if variant == "standard" else f"{fig.line} ({variant})",
                    "figure": name,
                    "what": fig.title,
                    "manual": format_quantity(manual, fig.dimension),
                    "model": format_quantity(model, fig.dimension),
                    "agrees": model is not None and abs(model - manual) <= 1e-6 * abs(manual),
                    "values": {"manual": manual, "model": model, "unit": BASE_UNIT[fig.dimension]},
                }
            )
    return rows


# ---------------------------------------------------------------------------------------------
# Diagrams
# ---------------------------------------------------------------------------------------------


def _level_at(edges: list[tuple[float, int]], t: float) -> int:
    level = 0
    for te, lv in edges:
        if te > t:
            break
        level = lv
    return level


def _time_scale(span_us: float) -> tuple[float, str]:
    for factor, unit in ((1e6, "s"), (1e3, "ms"), (1.0, "µs")):
        if span_us >= 5 * factor:
            return factor, unit
    return 1e-3, "ns"


def diagram_png(trace: Trace, clock_hz: int, title: str) -> bytes:
    """A timing diagram of a run (Agg backend): Line1, frame starts, exposure, Line0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = trace.window_us
    factor, unit = _time_scale(b - a)

    def us_edges(name: str) -> list[tuple[float, int]]:
        return [(c * 1e6 / clock_hz, lv) for c, lv in trace.sim.edges.get(name, [])]

    rows: list[tuple[str, list[tuple[float, int]], str]] = [
        ("Line1 pin", trace.line1_us, "step"),
        ("frame_start", us_edges("frame_start"), "pulse"),
        ("ExposureActive", us_edges("exposure_active"), "step"),
        ("Line0 pin", us_edges("line0_out"), "step"),
    ]
    n = len(rows) + (1 if trace.pullup_v else 0)
    fig, axes = plt.subplots(n, 1, sharex=True, figsize=(9, 0.9 * n + 1.1), dpi=80)
    for ax, (label, edges, style) in zip(axes, rows, strict=False):
        if style == "pulse":
            xs = [t for t, lv in edges if lv == 1 and a <= t <= b]
            ax.vlines([x / factor for x in xs], 0, 1, color="C3", lw=2)
            for kind, marker, color in (("overtrigger", "x", "C1"), ("trigger_lost", "v", "k")):
                ts = [c * 1e6 / clock_hz for c in trace.sim.event_cycles(kind)]
                ts = [t / factor for t in ts if a <= t <= b]
                if ts:
                    ax.plot(
                        ts,
                        [0.5] * len(ts),
                        ls="",
                        marker=marker,
                        color=color,
                        label=f"{kind} ({len(ts)})",
                    )
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="upper left", fontsize=7, frameon=False)
        else:
            ts = [a] + [t for t, _ in edges if a < t < b] + [b]
            ys = [_level_at(edges, t) for t in ts]
            ax.step([t / factor for t in ts], ys, where="post", color="C0", lw=1.5)
        ax.set_ylim(-0.2, 1.3)
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    if trace.pullup_v:
        ax = axes[-1]
        pins = us_edges("line0_out")
        if pins:
            wf = line0_waveform([t for t, _ in pins], trace.pullup_v, initial_level=1 - pins[0][1])
            import numpy as np

            t = np.linspace(a, b, 2000)
            ax.plot(t / factor, wf.voltage_at(t), color="C2", lw=1.5)
        for frac in (0.1, 0.9):
            ax.axhline(frac * trace.pullup_v, color="grey", lw=0.6, ls="--")
        ax.set_ylabel(
            f"Line0 ext. (V, {trace.pullup_v:g} V)", rotation=0, ha="right", va="center", fontsize=8
        )
    for start, end, label in trace.marks:
        ax0 = axes[0]
        ax0.annotate(
            "",
            xy=(end / factor, 1.15),
            xytext=(start / factor, 1.15),
            arrowprops={"arrowstyle": "<->", "color": "C1"},
        )
        ax0.text(
            (start + end) / 2 / factor, 1.2, label, ha="center", va="bottom", fontsize=8, color="C1"
        )
        for ax in axes:
            ax.axvline(start / factor, color="C1", lw=0.6, ls=":")
            ax.axvline(end / factor, color="C1", lw=0.6, ls=":")
    axes[-1].set_xlim(a / factor, b / factor)
    axes[-1].set_xlabel(f"time ({unit})")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def _config_text(req: Requirement) -> list[dict[str, str]]:
    return [{"key": s.key, "value": s.text, "raw": str(s.raw)} for s in req.config]


def _stimulus_text(req: Requirement) -> str:
    s = req.stimulus
    parts = []
    if s.line1 is not None:
        if s.line1.pulses:
            p = s.line1.pulses
            parts.append(
                f"Line1: {p.count} pulse(s) of {format_quantity(p.width_us, 'time')} every "
                f"{format_quantity(p.period_us, 'time')} from {format_quantity(p.start_us, 'time')}"
            )
        else:
            parts.append(f"Line1: {len(s.line1.edges_us)} edge(s)")
        if s.line1.is_voltage:
            parts.append(f"driven at {s.line1.high_v:g} V through the opto input")
    if s.phases > 1:
        parts.append(f"{s.phases} input phases per clock cycle")
    if s.line0_pullup_v is not None:
        parts.append(f"Line0 pull-up {s.line0_pullup_v:g} V")
    if not s.acquisition:
        parts.append("no AcquisitionStart")
    return "; ".join(parts) or "none"


def _row(r: Result, run: Run, png: bytes | None = None) -> dict[str, Any]:
    """A requirement's report row; ``png``: its timing diagram (in ``DIAGRAMS/<name>.png``)."""
    req = r.requirement
    dim = req.measure.dimension
    m = r.measurement
    return {
        "name": r.name,
        "title": req.title,
        "description": req.description,
        "source": req.source,
        "status": "PASS" if r.passed else "FAIL",
        "passed": r.passed,
        "measured": format_quantity(m.value, dim),
        "bound": format_bound(req.bound, dim),
        "bound_text": req.bound.text,
        "margin": format_quantity(r.margin, dim) if r.margin is not None else "—",
        "note": m.note,
        "measure": {"kind": req.measure.kind, **{k: str(v) for k, v in req.measure.params.items()}},
        "config": _config_text(req),
        "stimulus": _stimulus_text(req),
        "png": base64.b64encode(png).decode() if png else "",
        "diagram": f"{DIAGRAMS}/{r.name}.png" if png else "",
        "runs": m.runs,
        "simulated": m.simulated,
        "rtl": rtl_status(r, run),
    }


def _json(run: Run) -> dict[str, Any]:
    reqs = []
    for r in run.results:
        req = r.requirement
        b = req.bound
        reqs.append(
            {
                "name": r.name,
                "title": req.title,
                "description": req.description,
                "source": req.source,
                "passed": r.passed,
                "measure": {
                    "kind": req.measure.kind,
                    **{
                        k: v if not isinstance(v, tuple) else list(v)
                        for k, v in req.measure.params.items()
                    },
                },
                "dimension": req.measure.dimension,
                "base_unit": BASE_UNIT[req.measure.dimension],
                "measured": r.measurement.value,
                "samples": r.measurement.samples[:64],
                "bound": {
                    "min": b.min.value if b.min else None,
                    "max": b.max.value if b.max else None,
                    "typ": b.typ.value if b.typ else None,
                    "tol": b.tol_abs if b.tol else None,
                    "limits": [None if math.isinf(x) else x for x in b.limits()],
                    "text": b.text,
                },
                "margin": r.margin,
                "note": r.measurement.note,
                "config": {s.key: {"value": s.text, "raw": s.raw} for s in req.config},
                "details": r.measurement.details,
                "runs": r.measurement.runs,
                "simulated_cycles": r.measurement.simulated,
                "rtl": _rtl_json(r, run),
            }
        )
    return {
        "spec": run.spec.name,
        "spec_file": run.spec.file,
        "regmap": run.regmap_path,
        "device": run.rmap.device.name,
        "clock_hz": run.rmap.clock_hz,
        "backend": "firmware_model (event-driven)",
        "rtl": run.rtl_simulator or None,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": {
            "total": len(run.results),
            "passed": len(run.results) - len(run.failed),  # on the model and, with --rtl, the RTL
            "failed": len(run.failed),
            "failed_names": run.failed,
            **_rtl_summary(run),
        },
        "requirements": reqs,
        "datasheet": run.tables,
    }


def _rtl_json(r: Result, run: Run) -> dict[str, Any] | None:
    if r.name in run.rtl_na:
        return {"simulator": run.rtl_simulator, "status": "n/a"}
    rtl = run.rtl.get(r.name)
    if rtl is None:
        return None
    m = rtl.measurement
    return {
        "simulator": run.rtl_simulator,
        "status": "agrees" if _agrees(r, rtl) else "differs",
        "agrees": _agrees(r, rtl),
        "measured": m.value,
        "passed": rtl.passed,
        "note": m.note,
        "replay_mismatches": m.mismatches[:8],
        "runs": m.runs,
        "simulated_cycles": m.simulated,
    }


def _rtl_summary(run: Run) -> dict[str, Any]:
    if not run.rtl_simulator:
        return {}
    by_name = {r.name: r for r in run.results}
    agree = [n for n, x in run.rtl.items() if _agrees(by_name[n], x)]
    return {
        "rtl_agree": len(agree),
        "rtl_disagree": len(run.rtl) - len(agree),
        "rtl_disagree_names": [n for n in run.rtl if n not in agree],
        "rtl_na": len(run.rtl_na),
        "rtl_seconds": round(run.rtl_seconds, 3),
    }


def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        # The HTML template is report.html.j2: escape by flag, not by file extension.
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


REPORT_FILES = ("report.html", "report.md", "results.json", "diagrams")
"""What :func:`write_reports` writes into its directory (``diagrams/`` holds PNGs)."""


def write_reports(run: Run, out_dir: Path) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``results.json`` into ``out_dir``, and the
    timing diagrams the Markdown report shows into ``out_dir/diagrams/<requirement>.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = {
        r.name: diagram_png(r.measurement.trace, run.rmap.clock_hz, r.requirement.title)
        for r in run.results
        if r.measurement.trace is not None
    }
    if pngs:
        (out_dir / DIAGRAMS).mkdir(exist_ok=True)
    for name, png in pngs.items():
        (out_dir / DIAGRAMS / f"{name}.png").write_bytes(png)
    rows = [_row(r, run, pngs.get(r.name)) for r in run.results]
    data = _json(run)
    context = {
        "spec": run.spec,
        "run": data,
        "rows": rows,
        "tables": run.tables,
        "clock_mhz": f"{run.rmap.clock_hz / 1e6:g}",
        "cycle_ns": f"{1e9 / run.rmap.clock_hz:g}",
    }
    html = _environment(True).get_template("report.html.j2").render(**context)
    md = _environment(False).get_template("report.md.j2").render(**context)
    paths = [out_dir / "report.html", out_dir / "report.md", out_dir / "results.json"]
    paths[0].write_text(html, encoding="utf-8")
    paths[1].write_text(md, encoding="utf-8")
    paths[2].write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return paths


def summary_table(run: Run) -> str:
    """The pass/fail table printed by ``camtwin timing``."""
    head = ("", "requirement", "measured", "bound", "margin")
    lines = []
    for r in run.results:
        row = _row(r, run)
        status = row["status"]
        if row["rtl"] and row["rtl"] not in ("agrees", "n/a on RTL"):
            status = "FAIL"
        note = f"  ({row['note']})" if row["note"] else ""
        rtl = ""
        if row["rtl"]:
            rtl = "  [n/a on RTL]" if row["rtl"] == "n/a on RTL" else f"  [RTL {row['rtl']}]"
        lines.append((status, r.name, row["measured"], row["bound"], row["margin"] + note + rtl))
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(4)]
    out = []
    for cells in [head, *lines]:
        out.append(
            "  ".join(c.ljust(w) for c, w in zip(cells[:4], widths, strict=True)) + "  " + cells[4]
        )
    return "\n".join(x.rstrip() for x in out)
