"""Benchmark of the GVSP sender alone: how fast ``gige.gvsp.GvspStreamer`` puts 1280x1024 Mono8
frames on loopback, against a same-run baseline.

In one private network namespace holding only ``lo`` (tests/netns.py), frames go to a receiver
in its own process (4 MiB socket buffer, ``recvmmsg`` batches; it counts datagrams, bytes and
trailers):

- the baseline: the straightforward Python sender, one ``sendto`` per packet, each packet
  built by concatenating its header and a slice of the frame;
- the streamer, unpaced: packets laid out once per block, ``sendmmsg`` batches;
- the streamer paced as the device paces at the default link rate (1.1 x 1 Gb/s), to a
  receiver with the kernel's default socket buffer (about 208 KiB), as a client with no
  tuning: lost packets are counted.

At SCPS 1500 (standard Ethernet frames) and 9000 (jumbo frames). Gb/s counts the image bytes
received per second of sending. The figures depend on the machine's load (sender and receiver
share its cores): compare the ratios.

Run: ``.venv/bin/python benchmarks/bench_gvsp.py [--frames 100]``. Prints a table, then the
JSON, also written to build/bench/gvsp.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gige.gvsp import GVSP_OVERHEAD, GvspStreamer, StreamTarget  # noqa: E402
from tests import netns  # noqa: E402

WIDTH, HEIGHT = 1280, 1024
SIZES = (1500, 9000)
LINK = 125_000_000.0  # B/s: DeviceLinkThroughputLimit at reset (1 Gb/s)


@dataclass
class Frame:
    frame_id: int
    timestamp: int
    data: bytes
    pixel_format: int = 0x01080001
    width: int = WIDTH
    height: int = HEIGHT
    offset_x: int = 0
    offset_y: int = 0


def _receiver(ports: mp.Queue, results: mp.Queue, rcvbuf: int | None) -> None:
    """Count datagrams, image bytes and trailers, many datagrams per ``recvmmsg`` call (through
    ctypes: a receiver at C speed, so that the senders are what is measured)."""
    import ctypes

    import numpy as np

    from gige import _mmsg

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 1, 500_000))
    s.bind(("127.0.0.1", 0))
    ports.put(s.getsockname()[1])
    slots, slot = 256, 9216
    buf = np.zeros(slots * slot, dtype=np.uint8)
    batch = _mmsg.PacketBatch(buf, slots, slot, slot)
    libc = ctypes.CDLL(None, use_errno=True)
    recvmmsg = libc.recvmmsg
    recvmmsg.argtypes = (
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_void_p,
    )
    lens = batch._msgs.reshape(slots, -1)[:, _mmsg._MSG - 8 : _mmsg._MSG - 4].view("<u4")[:, 0]
    kinds = buf.reshape(slots, slot)[:, 4]
    packets = image = trailers = 0
    while True:
        n = recvmmsg(s.fileno(), batch._addr, slots, 0x10000, None)  # MSG_WAITFORONE
        if n <= 0:
            break
        packets += n
        k, ln = kinds[:n], lens[:n].astype(np.int64)
        image += int((ln[k == 3] - 8).sum())
        trailers += int((k == 2).sum())
    results.put((packets, image, trailers))


def _naive(frames: list[Frame], port: int, packet_size: int) -> None:
    """One sendto per packet, as a first Python device would send."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dest = ("127.0.0.1", port)
    chunk = packet_size - GVSP_OVERHEAD
    for block_id, f in enumerate(frames, 1):
        data = f.data
        n = -(-len(data) // chunk)
        s.sendto(struct.pack(">HHI", 0, block_id, 1 << 24) + bytes(36), dest)
        for pid in range(1, n + 1):
            head = struct.pack(">HHI", 0, block_id, 3 << 24 | pid)
            s.sendto(head + data[(pid - 1) * chunk : pid * chunk], dest)
        s.sendto(struct.pack(">HHIHHI", 0, block_id, 2 << 24 | (n + 1), 0, 1, HEIGHT), dest)
    s.close()


def _streamer(frames: list[Frame], port: int, packet_size: int, rate: float | None) -> None:
    st = GvspStreamer("127.0.0.1")
    st.start()
    target = StreamTarget("127.0.0.1", port, packet_size, rate)
    try:
        for f in frames:
            while len(st._queue) >= 2:  # keep the queue short: nothing is dropped
                time.sleep(0.0005)
            st.submit(f, target)
        while not st.idle():
            time.sleep(0.001)
    finally:
        st.stop()


def run(kind: str, frames: list[Frame], packet_size: int) -> dict:
    ctx = mp.get_context("fork")
    ports, results = ctx.Queue(), ctx.Queue()
    rcvbuf = None if kind == "paced" else 4 << 20
    rx = ctx.Process(target=_receiver, args=(ports, results, rcvbuf))
    rx.start()
    port = ports.get()
    t0 = time.perf_counter()
    if kind == "naive":
        _naive(frames, port, packet_size)
    else:
        _streamer(frames, port, packet_size, LINK if kind == "paced" else None)
    seconds = time.perf_counter() - t0
    packets, image, trailers = results.get()
    rx.join()
    chunk = packet_size - GVSP_OVERHEAD
    expected = len(frames) * (-(-len(frames[0].data) // chunk) + 2)
    return {
        "sender": kind,
        "packet_size": packet_size,
        "seconds": round(seconds, 3),
        "gbit_per_s": round(image * 8 / seconds / 1e9, 3),
        "packets_lost": expected - packets,
        "frames_with_trailer": trailers,
        "frames": len(frames),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=100, help="frames per run")
    p.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "gvsp.json")
    args = p.parse_args(argv)
    netns.enter_loopback_namespace()
    load_before = os.getloadavg()
    data = bytes(range(256)) * (WIDTH * HEIGHT // 256)
    frames = [Frame(i + 1, 1000 * i, data) for i in range(args.frames)]
    rows = [run(kind, frames, size) for size in SIZES for kind in ("naive", "sendmmsg", "paced")]
    by = {(r["sender"], r["packet_size"]): r for r in rows}
    ratios = {
        f"sendmmsg_to_naive_gbit_per_s_{size}": round(
            by["sendmmsg", size]["gbit_per_s"] / by["naive", size]["gbit_per_s"], 3
        )
        for size in SIZES
    }
    report = {
        "frame": f"{WIDTH}x{HEIGHT} Mono8",
        "load_average": [round(x, 2) for x in load_before],
        "runs": rows,
        "ratios": ratios,
    }
    print(f"{report['frame']}, load average {report['load_average']}")
    print(f"{'sender':<10}{'SCPS':>6}{'Gb/s':>8}{'lost pk':>9}{'frames':>8}")
    for r in rows:
        print(
            f"{r['sender']:<10}{r['packet_size']:>6}{r['gbit_per_s']:>8}"
            f"{r['packets_lost']:>9}{r['frames_with_trailer']:>5}/{r['frames']}"
        )
    for k, v in ratios.items():
        print(f"{k}: {v}")
    print()
    text = json.dumps(report, indent=2)
    print(text)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
