"""camtwin: a digital twin of a GigE area-scan camera's I/O and trigger path."""


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata on first use only (importlib.metadata
    # costs a noticeable part of a short command's start-up).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("camtwin")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0.0.0+unknown"
    raise AttributeError(f"module 'camtwin' has no attribute {name!r}")
