"""Dispatch: visits, who is assigned to them (with compliance), auto-assignment and workload.

Flask-free services over a SQLAlchemy Session; the caller's unit of work commits.
"""
