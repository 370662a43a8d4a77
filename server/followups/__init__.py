"""Follow-ups: tasks the jobs create (revisits, reviews) and people work through."""
