"""/api/v1/api-clients: admins issue and revoke the lender systems' machine credentials."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.api_client_schemas import (
    ApiClientCreateSchema,
    ApiClientSchema,
    ClientRevokeSchema,
    IssuedClientSchema,
)
from server.api.security import current_principal, roles
from server.auth.clients import create_client, list_clients, revoke_client
from server.models import Role
from server.unit_of_work import use_case

blp = Blueprint("api_clients", __name__, url_prefix="/api-clients",
                description="Machine credentials of lenders' systems")


@blp.route("")
class ApiClients(MethodView):
    @roles(Role.ADMIN)
    @blp.response(200, ApiClientSchema(many=True))
    def get(self):
        """List API clients (no secrets: only their hashes are stored)."""
        with use_case() as session:
            return list_clients(session)

    @roles(Role.ADMIN)
    @blp.arguments(ApiClientCreateSchema)
    @blp.response(201, IssuedClientSchema)
    def post(self, body):
        """Create a client of a lender with scopes; its token is in this answer only."""
        with use_case() as session:
            issued = create_client(session, current_principal().user_id, body["name"],
                                   body["lender"], body["scopes"])
            fields = ApiClientSchema().fields
            return {**{name: getattr(issued.client, name) for name in fields},
                    "token": issued.token}


@blp.route("/<string:client_id>/revoke")
class ApiClientRevoke(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(ClientRevokeSchema)
    @blp.response(200, ApiClientSchema)
    def post(self, body, client_id):
        """Revoke a client: its token stops working at once."""
        with use_case() as session:
            return revoke_client(session, current_principal().user_id, client_id,
                                 body["reason"])
