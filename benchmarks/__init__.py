"""Benchmarks: `make bench` runs benchmarks/bench.py."""
