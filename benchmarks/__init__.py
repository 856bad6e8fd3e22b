"""Benchmarks: figures measured side by side in one run (`make bench`), never in tests."""
