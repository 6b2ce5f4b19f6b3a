"""Benchmarks: each `bench_*.py` is runnable alone and prints its figures."""
