"""Compliance against the database: stored profiles, the effective profile of a case, the rule
engine's inputs built from rows, and the violations found in synced facts."""
