"""Scheduled jobs: APScheduler wiring, the leader lease, and the entrypoints each job runs."""
