"""camtwin: a digital twin of a GigE area-scan camera's I/O and trigger path."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("camtwin")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
