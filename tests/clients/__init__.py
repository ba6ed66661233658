"""Real GigE Vision clients (Aravis tools, the Aravis binding, a raw GVCP client) for tests and
benchmarks; every one of them runs inside a loopback-only network namespace (tests/netns.py)."""
