"""Append-only, hash-chained audit trail: who did or saw what."""
