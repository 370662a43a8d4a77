"""The pure core of visit selection: features, simulator, learner, metrics, policy (no database)."""
