"""camtwin gateware: the camera's I/O and trigger path in Amaranth (see docs/gateware.md)."""

# Imported from their modules on first use (PEP 562): ``hdl.camera`` alone does not load the
# Verilog back end.
_EXPORTS = {
    "AXI4LiteSignature": "axi",
    "Camera": "camera",
    "RegisterBank": "regbank",
    "generate_verilog": "export",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hdl' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
