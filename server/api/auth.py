"""POST /api/v1/auth/tokens (log in), DELETE /api/v1/auth/tokens/current (log out)."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.auth_schemas import LoginSchema, TokenSchema
from server.api.security import current_principal, public, roles
from server.auth.service import LoginPolicy, log_in, log_out
from server.auth.settings import login_policy
from server.models import Role
from server.unit_of_work import use_case

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Tokens")


def _policy() -> LoginPolicy:
    return login_policy(current_app.config)


@blp.route("/tokens")
class Tokens(MethodView):
    @public
    @blp.arguments(LoginSchema)
    @blp.response(201, TokenSchema)
    def post(self, body):
        """Log in: exchange username and password for a bearer token. Failed log-ins back off
        per account, per source and per both (429 with Retry-After); never a lockout."""
        with use_case() as session:
            return log_in(session, body["username"], body["password"], body.get("device_id"),
                          _policy(), source=request.remote_addr)


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @roles(*Role.ALL)
    @blp.response(204)
    def delete(self):
        """Log out: revoke the token used for this request."""
        with use_case() as session:
            log_out(session, current_principal().token_id)
