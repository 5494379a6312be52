"""Benchmarks against the local sandbox; never run by pytest or CI (see `make bench`)."""
