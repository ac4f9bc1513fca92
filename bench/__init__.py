"""Benchmarks for xinfang: synthetic data at scale and timed requests (see bench/README.md).

Speed is measured here, never as timed assertions in the test suite.
"""
