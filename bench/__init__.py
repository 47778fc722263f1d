"""Headway's benchmark suite: a data generator and load tests, never run by the unit tests.

See bench/README.md for the commands and BENCHMARKS.md at the repository root for the figures.
"""
