"""Pieces of the load test `python -m bench.load`: the world, the server, the phones, the checks."""
