"""Visit selection: which cases a visit would change (uplift models, hold-out, daily policy)."""
