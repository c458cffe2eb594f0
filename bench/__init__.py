"""Benchmarks (run by `make bench`). Each prints its figures; results are quoted in issue notes."""
