"""Benchmarks that print figures (python -m bench.<name>)."""
