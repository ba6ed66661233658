"""The camera's hardware blocks, one small class each, cycle by cycle (docs/semantics.md).

Every block has a ``step(...)`` called once per clock cycle ``t``: it returns the block's
outputs during cycle ``t`` and advances its registers to ``t+1``.
"""

from __future__ import annotations

from collections import deque

__all__ = [
    "Acquisition",
    "Counters",
    "Debouncer",
    "EdgeDetector",
    "FrequencyConverter",
    "OutputRegister",
    "Synchroniser",
    "TriggerDelayFifo",
]

MASK32 = 0xFFFF_FFFF
T_UNKNOWN_AT = 0xFFFF_FFFF  # the period counter saturates here: T unknown


class Synchroniser:
    """Two flip-flops: ``s[t] = pin[t-2]``, reset 0."""

    __slots__ = ("q1", "q2")

    def __init__(self) -> None:
        self.q1 = 0
        self.q2 = 0

    def step(self, pin: int) -> int:
        """Sample ``pin[t]``; return ``s[t]``."""
        s = self.q2
        self.q2 = self.q1
        self.q1 = pin
        return s

    @property
    def settled(self) -> bool:
        """Both flip-flops hold the same level (the output no longer changes by itself)."""
        return self.q1 == self.q2


class Debouncer:
    """Passes an edge of ``x`` after ``max(N, 1)`` cycles if the level is held ``N`` cycles."""

    __slots__ = ("c", "y")

    def __init__(self) -> None:
        self.y = 0
        self.c = 0

    def step(self, x: int, n: int) -> int:
        """Return ``y[t]`` and advance with input ``x[t]`` and ``N[t]``."""
        y = self.y
        if n == 0:
            self.y = x
            self.c = 0
        elif x == y:
            self.c = 0
        elif self.c + 1 >= n:
            self.y = x
            self.c = 0
        else:
            self.c += 1
        return y


class EdgeDetector:
    """``rise[t] = y[t-1] & ~y[t-2]``, ``fall[t] = ~y[t-1] & y[t-2]``."""

    __slots__ = ("y1", "y2")

    def __init__(self) -> None:
        self.y1 = 0
        self.y2 = 0

    def step(self, y: int) -> tuple[int, int]:
        """Return ``(rise[t], fall[t])`` and shift in ``y[t]``."""
        y1, y2 = self.y1, self.y2
        self.y2 = y1
        self.y1 = y
        return y1 & (1 - y2), (1 - y1) & y2


class FrequencyConverter:
    """Period-measuring multiplier followed by a divider; the output is combinational."""

    __slots__ = ("a", "d", "last", "owed", "period")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """The reset state: period unknown, nothing owed, divider counter 0."""
        self.last: int | None = None
        self.period: int | None = None
        self.a = 0
        self.owed = 0
        self.d = 0

    def step(self, t: int, edge: int, m: int, q: int) -> int:
        """Return ``fc[t]`` for an input edge flag ``edge`` in cycle ``t``."""
        if edge:
            last = self.last
            period = None if last is None or t - last >= T_UNKNOWN_AT else t - last
            self.last = t
            self.period = period
            self.a = 0
            self.owed = m - 1 if period is not None and m else 0
            pulse = 1
        elif self.owed:
            self.a += m
            if self.a >= self.period:  # type: ignore[operator]
                self.a -= self.period  # type: ignore[operator]
                self.owed -= 1
                pulse = 1
            else:
                pulse = 0
        else:
            return 0
        if not pulse:
            return 0
        out = 1 if self.d == 0 else 0
        self.d = 0 if self.d + 1 >= q else self.d + 1  # (d + 1) mod Q; Q = 0 acts as 1
        return out

    def cycles_to_next_pulse(self, m: int) -> int | None:
        """Without input edges, cycles from now until the next multiplier pulse (1 = next)."""
        if not self.owed or not m:  # M = 0 owes nothing (a write resets the converter)
            return None
        need = self.period - self.a  # type: ignore[operator]
        return max(1, -(-need // m))

    def skip(self, cycles: int, m: int, q: int = 1) -> None:
        """Advance ``cycles`` cycles without an input edge: the multiplier pulses that fall due
        advance the divider (``M``, ``Q`` as in :meth:`step`)."""
        while self.owed and m:
            k = max(1, -(-(self.period - self.a) // m))  # type: ignore[operator]
            if k > cycles:
                break
            self.a += k * m - self.period  # type: ignore[operator]
            self.owed -= 1
            self.d = 0 if self.d + 1 >= q else self.d + 1
            cycles -= k
        if self.owed:
            self.a += cycles * m


class TriggerDelayFifo:
    """Depth-``K`` FIFO of release times; at most one release per cycle, in arrival order."""

    __slots__ = ("depth", "pending")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.pending: deque[int] = deque()

    def step(self, t: int, trigger: int, delay: int) -> tuple[int, int]:
        """Return ``(released[t], lost[t])`` for a trigger pulse in cycle ``t``."""
        pending = self.pending
        lost = 0
        if trigger:
            if len(pending) >= self.depth:
                lost = 1
            else:
                pending.append(t + delay)
        if pending and t >= pending[0]:
            pending.popleft()
            return 1, lost
        return 0, lost

    def next_release(self, t: int) -> int | None:
        """The earliest cycle ``>= t`` at which the head could leave (None: empty)."""
        return max(self.pending[0], t) if self.pending else None


IDLE, ARMED, ACTIVE = 0, 1, 2


class Acquisition:
    """Acquisition state, frame timing and the FrameStart acceptance gate."""

    __slots__ = (
        "e",
        "frames",
        "has_frame",
        "p",
        "state",
        "stop_pending",
        "t0",
    )

    def __init__(self) -> None:
        self.state = IDLE
        self.has_frame = False
        self.t0 = 0
        self.e = 0
        self.p = 0
        self.frames = 0
        self.stop_pending = False

    def frame_trigger_wait(self, t: int) -> int:
        """FrameTriggerWait[t]."""
        return int(self.state == ACTIVE and (not self.has_frame or t >= self.t0 + self.p))

    def exposure_active(self, t: int) -> int:
        """ExposureActive[t]."""
        return int(self.has_frame and self.t0 <= t < self.t0 + self.e)

    def step(
        self,
        t: int,
        start: int,
        stop: int,
        acq_trigger_on: int,
        acq_released: int,
        frame_trigger_on: int,
        frame_released: int,
        exposure: int,
        period: int,
        mode: int,
        frame_count: int,
    ) -> tuple[int, int, int, int, int]:
        """Return ``(active, wait, frame_start, overtrigger, done)`` of cycle ``t``.

        ``done`` means the acquisition completes its frames at the end of this cycle (the
        AcquisitionDone bit reads 1 from ``t+1``, when AcquisitionActive reads 0).
        """
        state = self.state
        active = int(state == ACTIVE)
        wait = int(active and (not self.has_frame or t >= self.t0 + self.p))
        frame_start = 0
        overtrigger = 0
        if frame_trigger_on:
            if frame_released:
                if wait:
                    frame_start = 1
                else:
                    overtrigger = 1
        elif wait:
            frame_start = 1
        if frame_start:
            self.has_frame = True
            self.t0 = t
            self.e = exposure
            self.p = period
            self.frames += 1
        in_frame = self.has_frame and t < self.t0 + self.p
        done = 0
        nxt = state
        if state == IDLE:
            if start:
                nxt = ARMED if acq_trigger_on else ACTIVE
        elif state == ARMED:
            if stop:
                nxt = IDLE
            elif acq_released and acq_trigger_on:
                nxt = ACTIVE
        else:
            if stop:
                if in_frame:
                    self.stop_pending = True
                else:
                    nxt = IDLE
            if nxt == ACTIVE and in_frame and t + 1 == self.t0 + self.p:
                limit = 1 if mode == 0 else frame_count if mode == 1 else 0
                if limit and self.frames >= limit:
                    done = 1
                    nxt = IDLE
                elif self.stop_pending:
                    nxt = IDLE
        if nxt != state:
            if nxt == ACTIVE:
                self.frames = 0
            self.stop_pending = False
            self.state = nxt
        return active, wait, frame_start, overtrigger, done


class Counters:
    """FrameCount, TriggerLostCount and OvertriggerCount: registers that wrap at 2^32."""

    __slots__ = ("frames", "lost", "overtriggers")

    def __init__(self) -> None:
        self.frames = 0
        self.lost = 0
        self.overtriggers = 0

    def step(self, reset: int, frame: int, lost: int, overtrigger: int) -> None:
        """Apply cycle ``t``'s increments (CounterReset wins); values change from ``t+1``."""
        if reset:
            self.frames = self.lost = self.overtriggers = 0
        else:
            if frame:
                self.frames = (self.frames + frame) & MASK32
            if lost:
                self.lost = (self.lost + lost) & MASK32
            if overtrigger:
                self.overtriggers = (self.overtriggers + overtrigger) & MASK32


class OutputRegister:
    """One register: ``pin_out[t+1] = source[t] XOR LineInverter[t]``."""

    __slots__ = ("q",)

    def __init__(self, reset: int = 0) -> None:
        self.q = reset

    def step(self, level: int) -> int:
        """Return the pin level of cycle ``t`` and register ``level`` for ``t+1``."""
        q = self.q
        self.q = level
        return q
