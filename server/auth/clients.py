"""API clients: a lender's core system calls Doorstep with a scoped token of its own.

The token is shown once when the client is created; only its SHA-256 is stored (as for
people's tokens). A request with it authenticates as the client, never as a person: the role
is `api_client`, the scope lists what it may do, and everything is bound to its lender.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.tokens import new_token, token_hash
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from server.models import Agency, AgencyKind, ApiClient, Role, utcnow

PREFIX = "dsc_"  # tells a client token from a person's at a glance (and in leaked-secret scans)
SCOPES = ("payments:write", "payments:read")


@dataclass(frozen=True)
class ClientPrincipal:
    """A machine caller: its client, lender and scopes; no user, no device."""

    client_id: str
    lender_id: str
    scopes: tuple[str, ...]
    role: str = Role.API_CLIENT
    user_id: None = None
    team_id: None = None
    device_id: None = None

    @property
    def agency_id(self) -> str:
        return self.lender_id

    @property
    def token_id(self) -> str:
        return self.client_id

    @property
    def actor_id(self) -> str:
        return f"client:{self.client_id}"


def actor_of(principal) -> str | None:
    """The audit actor of a person or a client."""
    return getattr(principal, "actor_id", None) or principal.user_id


def require_scope(principal, scope: str) -> None:
    """A client without this scope is refused; people pass (their role was checked)."""
    if isinstance(principal, ClientPrincipal) and scope not in principal.scopes:
        raise Forbidden(f"this client's token lacks the scope {scope}")


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    token: str


def create_client(session: Session, actor_id: str | None, name: str, lender_code: str,
                  scopes: list[str]) -> IssuedClient:
    """A new client of a lender with the given scopes; the token is returned once (audited)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput("unknown or missing scopes",
                           {"scopes": [f"one or more of {', '.join(SCOPES)}"]})
    lender = session.scalar(select(Agency).where(Agency.code == lender_code))
    if lender is None or lender.kind != AgencyKind.LENDER:
        raise InvalidInput(f"no lender {lender_code!r}", {"lender": ["no lender with this code"]})
    secret, _ = new_token()
    token = PREFIX + secret
    client = ApiClient(name=name, lender_id=lender.id, scopes=sorted(set(scopes)),
                       secret_hash=token_hash(token), created_by=actor_id)
    session.add(client)
    session.flush()
    audit.record(session, actor_id, "api_client.create", "api_client", client.id,
                 {"name": name, "lender_id": lender.id, "scopes": client.scopes})
    return IssuedClient(client, token)


def revoke_client(session: Session, actor_id: str | None, client_id: str, reason: str) -> ApiClient:
    """Revoke a client's token at once (audited); revoking twice is a conflict."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"no API client {client_id!r}")
    if client.revoked_at is not None:
        raise Conflict("this client is already revoked", {"client_id": ["already revoked"]})
    client.revoked_at, client.revoked_reason = utcnow(), reason
    audit.record(session, actor_id, "api_client.revoke", "api_client", client.id,
                 {"reason": reason})
    return client


def list_clients(session: Session) -> list[ApiClient]:
    """Every client, newest first (no secrets: only hashes are stored)."""
    return list(session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc(),
                                                           ApiClient.id)))


def authenticate_client(session: Session, token: str) -> ClientPrincipal | None:
    """The client a token belongs to (None: not a client token); a revoked one is refused."""
    if not token.startswith(PREFIX):
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.secret_hash == token_hash(token)))
    if client is None:
        return None
    if client.revoked_at is not None:
        raise Unauthenticated("this API client has been revoked")
    return ClientPrincipal(client.id, client.lender_id, tuple(client.scopes))

