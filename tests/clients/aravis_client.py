"""A GigE Vision client on the Aravis GObject binding, driven by JSON lines on stdin.

Run it with Debian's ``/usr/bin/python3`` (python3-gi and gir1.2-aravis-0.8; the binding does not
load in other interpreters), inside a network namespace holding only ``lo``:

    /usr/bin/python3 tests/clients/aravis_client.py 127.0.0.1

It connects to the camera at the address, prints one JSON line describing it, then answers each
request line with one JSON line: ``{"ok": result}`` or ``{"error": message}``. Requests:

- ``{"op": "get", "feature": F, "type": "integer"|"float"|"string"|"boolean"}``
- ``{"op": "set", "feature": F, "value": V}`` (type from the value; strings also set enumerations)
- ``{"op": "execute", "feature": F}``
- ``{"op": "open_stream", "buffers": N}``: a stream with N buffers of PayloadSize
- ``{"op": "pop", "count": N, "timeout": S}``: up to N buffers, each within S seconds; a buffer
  is ``{status, frame_id, timestamp_ns, system_timestamp_ns, width, height, pixel_format, size,
  sha256}``, then pushed back
- ``{"op": "stats"}``: the stream's counters (n_completed_buffers, n_missing_packets, ...)
- ``{"op": "trigger_latency", "count": N, "timeout": S}``: N times, execute TriggerSoftware
  and wait for the frame; each ``{send_ns, done_ns, timestamp_ns, status}`` (host clock
  CLOCK_REALTIME, like the buffers' system timestamps)
- ``{"op": "close_stream"}``, ``{"op": "quit"}``

It is its own program (not importing camtwin), so that it runs where the binding lives.
"""

import hashlib
import json
import socket
import sys
import time


def _refuse_unless_loopback_only():
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ["lo"]:
        sys.stderr.write(
            "aravis_client: refusing to start, interfaces other than lo are visible: "
            + ", ".join(names)
            + "\n"
        )
        sys.exit(97)


class Client:
    def __init__(self, address):
        import gi

        gi.require_version("Aravis", "0.8")
        from gi.repository import Aravis

        self.Aravis = Aravis
        self.camera = Aravis.Camera.new(address)
        self.device = self.camera.get_device()
        self.stream = None

    def describe(self):
        c = self.camera
        return {
            "vendor": c.get_vendor_name(),
            "model": c.get_model_name(),
            "serial": c.get_device_serial_number(),
            "id": c.get_device_id(),
        }

    def op_get(self, feature, type):
        d = self.device
        getter = {
            "integer": d.get_integer_feature_value,
            "float": d.get_float_feature_value,
            "string": d.get_string_feature_value,
            "boolean": d.get_boolean_feature_value,
        }[type]
        return getter(feature)

    def op_set(self, feature, value):
        d = self.device
        if isinstance(value, bool):
            d.set_boolean_feature_value(feature, value)
        elif isinstance(value, int):
            d.set_integer_feature_value(feature, value)
        elif isinstance(value, float):
            d.set_float_feature_value(feature, value)
        else:
            d.set_string_feature_value(feature, value)
        return None

    def op_execute(self, feature):
        self.device.execute_command(feature)
        return None

    def op_open_stream(self, buffers):
        self.stream = None  # an old stream closes its channel when freed: before the new one
        self.stream = self.camera.create_stream(None, None)
        payload = self.camera.get_payload()
        for _ in range(buffers):
            self.stream.push_buffer(self.Aravis.Buffer.new_allocate(payload))
        return {"payload": payload}

    def op_pop(self, count, timeout):
        out = []
        for _ in range(count):
            buf = self.stream.timeout_pop_buffer(int(timeout * 1e6))
            if buf is None:
                break
            data = buf.get_data()
            out.append(
                {
                    "status": buf.get_status().value_nick,
                    "frame_id": buf.get_frame_id(),
                    "timestamp_ns": buf.get_timestamp(),
                    "system_timestamp_ns": buf.get_system_timestamp(),
                    "width": buf.get_image_width(),
                    "height": buf.get_image_height(),
                    "pixel_format": buf.get_image_pixel_format(),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
            self.stream.push_buffer(buf)
        return out

    def op_trigger_latency(self, count, timeout):
        out = []
        for _ in range(count):
            send = time.time_ns()
            self.device.execute_command("TriggerSoftware")
            buf = self.stream.timeout_pop_buffer(int(timeout * 1e6))
            done = time.time_ns()
            if buf is None:
                out.append({"send_ns": send, "done_ns": None, "status": "timeout"})
                continue
            out.append(
                {
                    "send_ns": send,
                    "done_ns": done,
                    "timestamp_ns": buf.get_timestamp(),
                    "status": buf.get_status().value_nick,
                }
            )
            self.stream.push_buffer(buf)
        return out

    def op_stats(self):
        s = self.stream
        return {s.get_info_name(i): s.get_info_uint64(i) for i in range(s.get_n_infos())}

    def op_close_stream(self):
        self.stream = None
        return None


def main():
    _refuse_unless_loopback_only()
    try:
        client = Client(sys.argv[1])
        hello = {"ok": client.describe()}
    except Exception as e:
        hello = {"error": str(e)}
        client = None
    print(json.dumps(hello), flush=True)
    if client is None:
        return 1
    for line in sys.stdin:
        req = json.loads(line)
        op = req.pop("op")
        if op == "quit":
            break
        try:
            reply = {"ok": getattr(client, "op_" + op)(**req)}
        except Exception as e:
            reply = {"error": str(e)}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
