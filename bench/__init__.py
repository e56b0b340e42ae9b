"""Benchmark tooling: a synthetic ownership-registry generator (``python -m bench.generate``)."""
