"""The real bot started for the tests and the benchmarks (neither imports the other)."""
