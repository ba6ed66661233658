"""Three software-triggered frames from the twin, with the Aravis Python binding.

Run it with Debian's /usr/bin/python3 (packages python3-gi and gir1.2-aravis-0.8), in the
network namespace where `camtwin serve` runs.
"""

import gi

gi.require_version("Aravis", "0.8")
from gi.repository import Aravis  # noqa: E402

camera = Aravis.Camera.new("127.0.0.1")  # by address: no discovery broadcast
camera.set_region(0, 0, 640, 480)  # OffsetX, OffsetY, Width, Height
camera.set_pixel_format_from_string("Mono8")
camera.set_exposure_time(1000.0)  # µs
camera.set_trigger("Software")  # FrameStart triggered by TriggerSoftware
print(f"{camera.get_model_name()}: {camera.get_payload()} bytes per frame")

stream = camera.create_stream(None, None)
for _ in range(3):
    stream.push_buffer(Aravis.Buffer.new_allocate(camera.get_payload()))
camera.start_acquisition()
for _ in range(3):
    camera.software_trigger()
    buffer = stream.timeout_pop_buffer(1_000_000)  # µs
    print(
        f"frame {buffer.get_frame_id()}: {buffer.get_status().value_nick}, "
        f"{buffer.get_image_width()}x{buffer.get_image_height()}, "
        f"{len(buffer.get_data())} bytes"
    )
    stream.push_buffer(buffer)
camera.stop_acquisition()
