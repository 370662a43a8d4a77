"""The log-in policy (token lifetime, failed-login back-off) from the app's configuration."""

from __future__ import annotations

from collections.abc import Mapping

from server.auth.service import LoginPolicy
from server.auth.throttle import ThrottlePolicy


def login_policy(cfg: Mapping) -> LoginPolicy:
    """One policy for every way in (the API's tokens and the console's sign-in)."""
    return LoginPolicy(cfg["TOKEN_TTL_S"], ThrottlePolicy(
        cfg["LOGIN_FREE_FAILURES"], cfg["LOGIN_BACKOFF_MAX_S"],
        cfg["LOGIN_ACCOUNT_FREE_FAILURES"], cfg["LOGIN_ACCOUNT_BACKOFF_MAX_S"],
        cfg["LOGIN_SOURCE_FREE_FAILURES"], cfg["LOGIN_SOURCE_BACKOFF_MAX_S"]))
