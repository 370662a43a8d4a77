"""The one module that reads the environment: every setting Doorstep has, with its default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The operation's zone: the scheduler's calendar, the lender's days, and the zone of a debtor
# whose address has none yet. server/clock.py hands it out; no other module names a zone.
OPERATION_ZONE = "Asia/Shanghai"
# Alibaba Cloud SMS writes the times in its delivery reports in Beijing time, whatever zone
# the operation runs in.
ALIYUN_REPORT_ZONE = "Asia/Shanghai"

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


def _secret_key(env: dict, instance: Path, production: bool, name: str = "SECRET_KEY",
                file: str = "secret_key") -> str:
    """A key from the environment; for the demo, one generated once and kept in instance/."""
    key = env.get(name)
    if key:
        return key
    if production:
        raise ConfigError(f"{name} must be set in production (DOORSTEP_ENV=production)")
    path = instance / file
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _origins(raw: str) -> list[str]:
    """CORS_ORIGINS: explicit origins only; a wildcard would hand the API to any web page."""
    origins = [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]
    if "*" in origins:
        raise ConfigError("CORS_ORIGINS must list origins (https://host); '*' is not allowed")
    return origins


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for bare postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def kernel_moves_queued_connections(path: str | None = None) -> bool:
    """Linux >= 5.14 with net.ipv4.tcp_migrate_req = 1: a closing SO_REUSEPORT listener hands
    the connections queued on it to another listener of its group instead of resetting them."""
    try:
        with open(path or MIGRATE_REQ) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def _reuse_port(env: dict, workers: int) -> bool:
    """One listening socket per worker (SO_REUSEPORT: the kernel spreads new connections over
    the workers evenly) where that loses nothing: `auto` (the default) turns it on with two or
    more workers when the kernel migrates a restarting worker's queued connections; otherwise
    the master's one socket, which outlives worker restarts (docs/operations.md, gunicorn)."""
    raw = (env.get("GUNICORN_REUSE_PORT") or "auto").strip().lower()
    if raw == "auto":
        return workers >= 2 and kernel_moves_queued_connections()
    return _bool(raw)


def serving_config(env: dict | None = None) -> dict:
    """gunicorn's settings (server/gunicorn_conf.py), from the same environment."""
    env = dict(os.environ if env is None else env)
    production = env.get("DOORSTEP_ENV", "development") == "production"
    workers = _int(env, "WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1)
    return {
        "bind": f"{env.get('HOST', '127.0.0.1')}:{_int(env, 'PORT', 8000)}",
        "workers": workers,
        "threads": _int(env, "GUNICORN_THREADS", 2),
        "timeout": _int(env, "GUNICORN_TIMEOUT", 60),
        "graceful_timeout": _int(env, "GUNICORN_GRACEFUL_TIMEOUT", 30),
        "max_requests": _int(env, "GUNICORN_MAX_REQUESTS", 5000),
        "reuse_port": _reuse_port(env, workers),
        "keepalive": _int(env, "GUNICORN_KEEPALIVE", 5),
        "log_json": _bool(env.get("LOG_JSON"), default=production),
        "prometheus_multiproc_dir": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
    }


def _messaging(env: dict) -> dict:
    """Message delivery (docs/messaging.md): providers per channel, the delivery job's limits."""
    return {
        "SMS_PROVIDER": env.get("SMS_PROVIDER", "log"),  # log, aliyun, twilio
        "EMAIL_PROVIDER": env.get("EMAIL_PROVIDER", "log"),  # log, smtp
        "ALIYUN_ACCESS_KEY_ID": env.get("ALIYUN_ACCESS_KEY_ID", ""),
        "ALIYUN_ACCESS_KEY_SECRET": env.get("ALIYUN_ACCESS_KEY_SECRET", ""),
        "ALIYUN_SMS_ENDPOINT": env.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
        "ALIYUN_SMS_PROTOCOL": env.get("ALIYUN_SMS_PROTOCOL", "HTTPS"),
        "ALIYUN_SMS_SIGN_NAME": env.get("ALIYUN_SMS_SIGN_NAME", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": env.get("TWILIO_FROM", ""),
        "TWILIO_BASE_URL": env.get("TWILIO_BASE_URL", "https://api.twilio.com"),
        "TWILIO_STATUS_CALLBACK": env.get("TWILIO_STATUS_CALLBACK", ""),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_FROM": env.get("SMTP_FROM", "noreply@doorstep.invalid"),
        # HMAC-SHA256 key of the receipt and inbound callbacks that have no signature of their
        # own (Alibaba Cloud's HTTP push goes through a relay that signs; Twilio signs itself).
        "MESSAGING_CALLBACK_SECRET": env.get("MESSAGING_CALLBACK_SECRET", ""),
        "MESSAGING_STOP_WORDS": [w.strip() for w in env.get("MESSAGING_STOP_WORDS", "").split(",")
                                 if w.strip()],
        "MESSAGING_BATCH_SIZE": _int(env, "MESSAGING_BATCH_SIZE", 500),
        "MESSAGING_MAX_BATCHES": _int(env, "MESSAGING_MAX_BATCHES", 200),
        "MESSAGING_RATE_PER_S": _float(env, "MESSAGING_RATE_PER_S", 50.0),
        "MESSAGING_CONCURRENCY": _int(env, "MESSAGING_CONCURRENCY", 4),
        "MESSAGING_MAX_ATTEMPTS": _int(env, "MESSAGING_MAX_ATTEMPTS", 6),
        "MESSAGING_BACKOFF_S": _int(env, "MESSAGING_BACKOFF_S", 60),
        "MESSAGING_LEASE_S": _int(env, "MESSAGING_LEASE_S", 300),
        "MESSAGING_DAILY_CAP": _int(env, "MESSAGING_DAILY_CAP", 3),
        # Reminders whose template names {link} carry the case's self-service link.
        "SELF_SERVICE_BASE_URL": env.get("SELF_SERVICE_BASE_URL", ""),  # the public address
        "SELF_SERVICE_REMINDER_LINKS": _bool(env.get("SELF_SERVICE_REMINDER_LINKS"), default=True),
        "SELF_SERVICE_REMINDER_LINK_DAYS": _int(env, "SELF_SERVICE_REMINDER_LINK_DAYS", 14),
    }


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
        # The console's session cookie (server/console/session.py): never readable by scripts,
        # not sent on cross-site requests, HTTPS-only in production.
        "SESSION_COOKIE_NAME": "doorstep_console",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # Map tiles for the console (Leaflet URL template); empty: points and lines, no tiles.
        # CONSOLE_TILE_CRS=gcj02 for Chinese providers (AutoNavi/Amap, Tencent) whose tiles are
        # in GCJ-02: the console shifts WGS-84 points onto them.
        "CONSOLE_TILE_URL": env.get("CONSOLE_TILE_URL", ""),
        "CONSOLE_TILE_CRS": env.get("CONSOLE_TILE_CRS", "wgs84"),
        "CONSOLE_TILE_ATTRIBUTION": env.get("CONSOLE_TILE_ATTRIBUTION", ""),
        # The audit chain's HMAC key: never in the database (docs/security.md, audit trail).
        "AUDIT_HMAC_KEY": _secret_key(env, instance, production, "AUDIT_HMAC_KEY",
                                      "audit_hmac_key"),
        # Where the scheduler appends the chain's head (outside the database); "" = nowhere.
        "AUDIT_ANCHOR_FILE": env.get("AUDIT_ANCHOR_FILE", str(instance / "audit_anchors.log")),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TOKEN_TTL_S": _int(env, "TOKEN_TTL_S", DEFAULT_TOKEN_TTL_S),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "MAX_PAGE_SIZE": _int(env, "MAX_PAGE_SIZE", 500),
        # Failed log-ins: free failures, then back-off doubling from 1 s up to the cap, per
        # (account, source), per account and per source (server/auth/throttle.py).
        "LOGIN_FREE_FAILURES": _int(env, "LOGIN_FREE_FAILURES", 5),
        "LOGIN_BACKOFF_MAX_S": _int(env, "LOGIN_BACKOFF_MAX_S", 900),
        "LOGIN_ACCOUNT_FREE_FAILURES": _int(env, "LOGIN_ACCOUNT_FREE_FAILURES", 20),
        "LOGIN_ACCOUNT_BACKOFF_MAX_S": _int(env, "LOGIN_ACCOUNT_BACKOFF_MAX_S", 60),
        "LOGIN_SOURCE_FREE_FAILURES": _int(env, "LOGIN_SOURCE_FREE_FAILURES", 50),
        "LOGIN_SOURCE_BACKOFF_MAX_S": _int(env, "LOGIN_SOURCE_BACKOFF_MAX_S", 60),
        "CORS_ORIGINS": _origins(env.get("CORS_ORIGINS", "")),
        "MAX_JSON_DEPTH": _int(env, "MAX_JSON_DEPTH", 32),
        "HSTS_MAX_AGE_S": _int(env, "HSTS_MAX_AGE_S", 365 * 24 * 3600),
        "PROXY_FIX_HOPS": _int(env, "PROXY_FIX_HOPS", 0),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_API": env.get("RATELIMIT_API") or "1200 per minute",
        "RATELIMIT_LOGIN_IP": env.get("RATELIMIT_LOGIN_IP") or "30 per minute",
        "RATELIMIT_LOGIN_USERNAME": env.get("RATELIMIT_LOGIN_USERNAME") or "10 per minute",
        "ATTACHMENT_DIR": env.get("ATTACHMENT_DIR") or str(instance / "attachments"),
        # Judge pushed facts (compliance flags, address evidence) right after the answer has
        # gone out, on the process's background drain thread (server/api/fact_effects.py);
        # off leaves them to the `fact_effects` scheduled job alone.
        "SYNC_EFFECTS_AFTER_RESPONSE": _bool(env.get("SYNC_EFFECTS_AFTER_RESPONSE"),
                                             default=True),
        "GEOCODER": env.get("GEOCODER", "offline"),
        "GEOCODER_DOMAIN": env.get("GEOCODER_DOMAIN", ""),
        "GEOCODER_SCHEME": env.get("GEOCODER_SCHEME", "https"),
        "GEOCODER_API_KEY": env.get("GEOCODER_API_KEY", ""),
        "GEOCODER_MIN_DELAY_S": _float(env, "GEOCODER_MIN_DELAY_S", 1.0),
        "GAZETTEER_PATH": env.get("GAZETTEER_PATH", ""),
        "TZ_OVERRIDES": env.get("TZ_OVERRIDES", f"CN={OPERATION_ZONE}"),
        "DISPATCH_BALANCE_KM": _float(env, "DISPATCH_BALANCE_KM", 10.0),
        "GEOCODE_BATCH_SIZE": _int(env, "GEOCODE_BATCH_SIZE", 200),
        "ROUTING_MATRIX": env.get("ROUTING_MATRIX", "haversine"),
        "OSRM_URL": env.get("OSRM_URL", ""),
        "ROUTING_SPEED_KMH": _float(env, "ROUTING_SPEED_KMH", 25.0),
        "ROUTING_DETOUR_FACTOR": _float(env, "ROUTING_DETOUR_FACTOR", 1.3),
        "ROUTING_MAX_RUNTIME_S": _float(env, "ROUTING_MAX_RUNTIME_S", 5.0),
        "ROUTING_MAX_ITERATIONS": _int(env, "ROUTING_MAX_ITERATIONS", 2_000),
        "ROUTING_STALL_ITERATIONS": _int(env, "ROUTING_STALL_ITERATIONS", 250),
        "ROUTING_STALL_PER_STOP": _int(env, "ROUTING_STALL_PER_STOP", 5),
        "ROUTING_TWO_PERSON": env.get("ROUTING_TWO_PERSON", "meet"),
        "ROUTING_MEET_TOLERANCE_MIN": _int(env, "ROUTING_MEET_TOLERANCE_MIN", 10),
        "OSRM_MAX_TABLE_SIZE": _int(env, "OSRM_MAX_TABLE_SIZE", 100),
        "SCHEDULER_TIMEZONE": env.get("SCHEDULER_TIMEZONE", OPERATION_ZONE),
        "SCHEDULER_LEASE_TTL_S": _int(env, "SCHEDULER_LEASE_TTL_S", 30),
        "SCHEDULER_HOLDER": env.get("SCHEDULER_HOLDER", ""),
        "STALE_VISIT_DAYS": _int(env, "STALE_VISIT_DAYS", 2),
        **_messaging(env),
        "SELECTION_HOLDOUT_SHARE": _float(env, "SELECTION_HOLDOUT_SHARE", 0.10),
        "SELECTION_SEED": _int(env, "SELECTION_SEED", 19),
        "LOG_JSON": _bool(env.get("LOG_JSON"), default=production),
        "METRICS_ENABLED": _bool(env.get("METRICS_ENABLED")),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "METRICS_CACHE_S": _float(env, "METRICS_CACHE_S", 5.0),
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        "SCHEDULER_METRICS_PORT": _int(env, "SCHEDULER_METRICS_PORT", 0),
        "SCHEDULER_METRICS_HOST": env.get("SCHEDULER_METRICS_HOST", "127.0.0.1"),
        "API_TITLE": "Doorstep API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Served from server/static/swagger-ui (vendored, pinned); no online validator badge.
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }
