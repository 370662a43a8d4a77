"""Small learner settings for tests and smoke runs (the same code path, fewer trees)."""

from server.selection.model.learner import Params
from server.selection.training import TrainingSettings

FAST_TRAINING = TrainingSettings(horizon_days=30, window_days=0,
                                 params=Params(n_estimators=40, calibration_folds=2))
