"""Unit tests of each hardware block against sequences worked out by hand from docs/semantics.md."""

from __future__ import annotations

from firmware_model import (
    Acquisition,
    Counters,
    Debouncer,
    EdgeDetector,
    FrequencyConverter,
    OutputRegister,
    Synchroniser,
    TriggerDelayFifo,
)


def run_debouncer(xs: list[int], n: int) -> list[int]:
    d = Debouncer()
    return [d.step(x, n) for x in xs]


def test_synchroniser_two_cycles():
    s = Synchroniser()
    pins = [1, 0, 1, 1, 0, 0, 0]
    assert [s.step(p) for p in pins] == [0, 0, 1, 0, 1, 1, 0]


def test_debouncer_passes_long_runs_after_n():
    # x rises at 1 and holds: y rises at 1 + 3 = 4; the 2-cycle low run at 5..6 is filtered.
    xs = [0, 1, 1, 1, 1, 0, 0, 1, 1, 1]
    assert run_debouncer(xs, 3) == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_debouncer_run_exactly_n_passes_with_width_preserved():
    # a run of exactly N = 3 cycles (1..3): y high for 3 cycles from 4, low again from 7
    xs = [0, 1, 1, 1] + [0] * 6
    assert run_debouncer(xs, 3) == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0]


def test_debouncer_run_n_minus_one_never_passes():
    xs = [0, 1, 1] + [0] * 6
    assert run_debouncer(xs, 3) == [0] * 9


def test_debouncer_n0_and_n1_are_one_register():
    xs = [0, 1, 0, 1, 1, 0]
    expected = [0, 0, 1, 0, 1, 1]
    assert run_debouncer(xs, 0) == expected
    assert run_debouncer(xs, 1) == expected


def test_debouncer_n_read_every_cycle():
    # counter keeps counting when N changes: x high from 0, N = 5 for 2 cycles (c = 2), then N = 3
    d = Debouncer()
    ys = [d.step(1, 5), d.step(1, 5), d.step(1, 3), d.step(1, 3)]
    # cycle 2: c + 1 = 3 >= 3 -> y = 1 from cycle 3
    assert ys == [0, 0, 0, 1]


def test_edge_detector():
    e = EdgeDetector()
    ys = [0, 1, 1, 0, 0, 0]
    out = [e.step(y) for y in ys]
    assert [r for r, _ in out] == [0, 0, 1, 0, 0, 0]
    assert [f for _, f in out] == [0, 0, 0, 0, 1, 0]


def fc_pulses(edges: set[int], m: int, q: int, cycles: int, conv=None) -> list[int]:
    fc = conv or FrequencyConverter()
    return [t for t in range(cycles) if fc.step(t, 1 if t in edges else 0, m, q)]


def test_converter_multiplier_m_le_t():
    # first edge: aligned only; then T = 12, M = 3: pulses ceil(12/3) = 4 and 8 cycles later
    assert fc_pulses({10, 22, 34}, 3, 1, 60) == [10, 22, 26, 30, 34, 38, 42]


def test_converter_non_integer_ratio():
    # T = 10, M = 4: pulses at ceil(2.5) = 3, ceil(5) = 5, ceil(7.5) = 8 after the edge
    assert fc_pulses({0, 10}, 4, 1, 30) == [0, 10, 13, 15, 18]


def test_converter_m_greater_than_t_and_edge_precedence():
    # T = 3, M = 5: one pulse every cycle; the edge at 6 abandons the pulses owed
    assert fc_pulses({0, 3, 6}, 5, 1, 20) == [0, 3, 4, 5, 6, 7, 8, 9, 10]


def test_converter_divider():
    # the multiplier pulses of the first test, every 2nd one passes: 1st, 3rd, 5th, 7th
    assert fc_pulses({10, 22, 34}, 3, 2, 60) == [10, 26, 34, 42]


def test_converter_q1_m1_pass_through():
    assert fc_pulses({2, 9, 15}, 1, 1, 20) == [2, 9, 15]


def test_converter_reset_forgets_period():
    fc = FrequencyConverter()
    assert fc_pulses({0, 10}, 2, 1, 12, fc) == [0, 10]  # the owed pulse at 15 not reached yet
    fc.reset()
    later = [t for t in range(12, 40) if fc.step(t, 1 if t in (20, 30) else 0, 2, 1)]
    # the pulse owed for 15 is dropped, the edge at 20 is the first: aligned only
    assert later == [20, 30, 35]


def test_fifo_delay_order_and_full():
    f = TriggerDelayFifo(2)
    trig = {0, 1, 2, 5}
    out = [f.step(t, 1 if t in trig else 0, 5) for t in range(10)]
    released = [t for t, (r, _) in enumerate(out) if r]
    lost = [t for t, (_, lost) in enumerate(out) if lost]
    # 0 -> 5, 1 -> 6; 2 finds 2 pending: lost; 5 finds 2 pending at the start of the cycle: lost
    assert released == [5, 6]
    assert lost == [2, 5]


def test_fifo_delay_zero_same_cycle():
    f = TriggerDelayFifo(4)
    assert f.step(7, 1, 0) == (1, 0)


def test_fifo_lowered_delay_never_overtakes():
    f = TriggerDelayFifo(4)
    out = {}
    for t in range(15):
        d = 10 if t == 0 else 0
        out[t] = f.step(t, 1 if t in (0, 3) else 0, d)
    released = [t for t, (r, _) in out.items() if r]
    # the first leaves at 10, the second (due at 3) right after it, at 11
    assert released == [10, 11]


def test_counters_reset_wins_and_wrap():
    c = Counters()
    c.frames = 0xFFFF_FFFF
    c.step(0, 1, 1, 2)
    assert (c.frames, c.lost, c.overtriggers) == (0, 1, 2)
    c.step(1, 1, 1, 1)
    assert (c.frames, c.lost, c.overtriggers) == (0, 0, 0)


def test_output_register_one_cycle():
    o = OutputRegister()
    assert [o.step(v) for v in [1, 0, 1, 1]] == [0, 1, 0, 1]


def run_acquisition(cycles, *, start=(), stop=(), released=(), trigger_on=0, mode=2, count=1):
    """Drive the Acquisition block with E = 2, P = 5; return per-cycle outputs."""
    a = Acquisition()
    return [
        a.step(
            t,
            int(t in start),
            int(t in stop),
            0,
            0,
            trigger_on,
            int(t in released),
            2,
            5,
            mode,
            count,
        )
        for t in range(cycles)
    ]


def test_acquisition_free_run_and_stop_after_frame():
    out = run_acquisition(16, start={0}, stop={8})
    active = [t for t, o in enumerate(out) if o[0]]
    frames = [t for t, o in enumerate(out) if o[2]]
    # active from 1; free-run frames every P = 5; the stop in 8 waits for the frame of 6 (to 11)
    assert frames == [1, 6]
    assert active == list(range(1, 11))


def test_acquisition_trigger_acceptance():
    out = run_acquisition(16, start={0}, released={3, 5, 8}, trigger_on=1)
    frames = [t for t, o in enumerate(out) if o[2]]
    over = [t for t, o in enumerate(out) if o[3]]
    waits = [t for t, o in enumerate(out) if o[1]]
    assert frames == [3, 8]  # 5 < 3 + P: overtrigger; 8 = 3 + P: accepted
    assert over == [5]
    assert waits == [1, 2, 3, 8, *range(13, 16)]


def test_acquisition_multi_frame_done():
    out = run_acquisition(20, start={0}, mode=1, count=2)
    frames = [t for t, o in enumerate(out) if o[2]]
    done = [t for t, o in enumerate(out) if o[4]]
    active = [t for t, o in enumerate(out) if o[0]]
    # frames at 1 and 6; the second period ends at 11: done flagged in 10, inactive from 11
    assert frames == [1, 6]
    assert done == [10]
    assert active == list(range(1, 11))


def test_acquisition_exposure_active():
    a = Acquisition()
    a.step(0, 1, 0, 0, 0, 0, 0, 2, 5, 2, 1)
    a.step(1, 0, 0, 0, 0, 0, 0, 2, 5, 2, 1)  # frame at 1, E = 2
    assert [a.exposure_active(t) for t in range(5)] == [0, 1, 1, 0, 0]


def test_converter_raw_zero_multiplier_and_divider():
    # M = 0 (only reachable with a raw write) owes nothing; Q = 0 passes every pulse like Q = 1
    assert fc_pulses({0, 10, 20}, 0, 1, 30) == [0, 10, 20]
    assert fc_pulses({0, 10}, 2, 0, 30) == [0, 10, 15]
