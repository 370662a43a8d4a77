"""The one module that reads the environment: every setting Doorstep has, with its default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_TOKEN_TTL_S = 12 * 3600


class ConfigError(RuntimeError):
    """The environment asks for something the service refuses to start with."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: dict, name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _secret_key(env: dict, instance: Path, production: bool) -> str:
    """SECRET_KEY from the environment; for the demo, one generated once and kept in instance/."""
    key = env.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production (DOORSTEP_ENV=production)")
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for bare postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(env: dict | None = None, instance_path: str | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path or env.get("DOORSTEP_INSTANCE") or "instance").resolve()
    production = env.get("DOORSTEP_ENV", "development") == "production"
    default_db = f"sqlite:///{instance / 'doorstep.sqlite3'}"
    return {
        "DOORSTEP_ENV": "production" if production else env.get("DOORSTEP_ENV", "development"),
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(env, instance, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TOKEN_TTL_S": _int(env, "TOKEN_TTL_S", DEFAULT_TOKEN_TTL_S),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "MAX_PAGE_SIZE": _int(env, "MAX_PAGE_SIZE", 500),
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_S": _int(env, "LOGIN_LOCKOUT_S", 900),
        "CORS_ORIGINS": [o for o in env.get("CORS_ORIGINS", "").split(",") if o],
        "ATTACHMENT_DIR": env.get("ATTACHMENT_DIR") or str(instance / "attachments"),
        "GEOCODER": env.get("GEOCODER", "offline"),
        "GEOCODER_DOMAIN": env.get("GEOCODER_DOMAIN", ""),
        "GEOCODER_SCHEME": env.get("GEOCODER_SCHEME", "https"),
        "GEOCODER_API_KEY": env.get("GEOCODER_API_KEY", ""),
        "GEOCODER_MIN_DELAY_S": _float(env, "GEOCODER_MIN_DELAY_S", 1.0),
        "GAZETTEER_PATH": env.get("GAZETTEER_PATH", ""),
        "TZ_OVERRIDES": env.get("TZ_OVERRIDES", "CN=Asia/Shanghai"),
        "DISPATCH_BALANCE_KM": _float(env, "DISPATCH_BALANCE_KM", 10.0),
        "GEOCODE_BATCH_SIZE": _int(env, "GEOCODE_BATCH_SIZE", 200),
        "ROUTING_MATRIX": env.get("ROUTING_MATRIX", "haversine"),
        "OSRM_URL": env.get("OSRM_URL", ""),
        "ROUTING_SPEED_KMH": _float(env, "ROUTING_SPEED_KMH", 25.0),
        "ROUTING_DETOUR_FACTOR": _float(env, "ROUTING_DETOUR_FACTOR", 1.3),
        "ROUTING_MAX_RUNTIME_S": _float(env, "ROUTING_MAX_RUNTIME_S", 5.0),
        "ROUTING_MAX_ITERATIONS": _int(env, "ROUTING_MAX_ITERATIONS", 2_000),
        "SCHEDULER_TIMEZONE": env.get("SCHEDULER_TIMEZONE", "Asia/Shanghai"),
        "SCHEDULER_LEASE_TTL_S": _int(env, "SCHEDULER_LEASE_TTL_S", 30),
        "SCHEDULER_HOLDER": env.get("SCHEDULER_HOLDER", ""),
        "STALE_VISIT_DAYS": _int(env, "STALE_VISIT_DAYS", 2),
        "LOG_JSON": _bool(env.get("LOG_JSON"), default=production),
        "API_TITLE": "Doorstep API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }
