"""The database floor: set-based SQL and bulk helpers, dialect differences, the change feed."""
