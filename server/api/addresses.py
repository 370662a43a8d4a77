"""/api/v1/addresses: geocode, look up, list and verify debtors' addresses."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from server.addresses.geo.timezones import parse_overrides
from server.addresses.geocoding import configured_geocoder, geocode_addresses, resolve_ids
from server.addresses.manual import verify_address
from server.addresses.queries import addresses_query, read_address
from server.api.address_schemas import (
    AddressQuerySchema,
    AddressSchema,
    GeocodeReportSchema,
    GeocodeRequestSchema,
    VerifyRequestSchema,
)
from server.api.audited import audited_page
from server.api.security import current_principal, roles
from server.models import Role, utcnow
from server.unit_of_work import use_case

blp = Blueprint("addresses", __name__, url_prefix="/addresses", description="Addresses")
PLANNERS = (Role.DISPATCHER, Role.ADMIN)
STAFF = (Role.DISPATCHER, Role.ADMIN, Role.COMPLIANCE)


def _overrides() -> dict[str, str]:
    return parse_overrides(current_app.config["TZ_OVERRIDES"])


@blp.route("")
class Addresses(MethodView):
    @roles(*STAFF)
    @blp.arguments(AddressQuerySchema, location="query")
    @blp.response(200, AddressSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List addresses by verification state and district; the ids shown are audited (one
        event per answer)."""
        caller = current_principal()
        with use_case() as session:
            stmt = addresses_query(caller, query.get("state"), query.get("district"))
            return audited_page(session, caller.user_id, "address", stmt, query,
                                pagination_parameters)


@blp.route("/geocode")
class Geocode(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(GeocodeRequestSchema)
    @blp.response(200, GeocodeReportSchema)
    def post(self, body):
        """Geocode the given addresses, or up to `limit` in a state (default unverified)."""
        with use_case() as session, configured_geocoder(current_app.config) as geocoder:
            ids = resolve_ids(session, current_principal(), body.get("address_ids"),
                              body["state"], body["limit"])
            report = geocode_addresses(session, geocoder, ids, _overrides(), utcnow())
            return report


@blp.route("/<address_id>")
class AddressById(MethodView):
    @roles(*Role.ALL)
    @blp.response(200, AddressSchema)
    def get(self, address_id):
        """One address (collectors: only where they are assigned a visit); the read is audited."""
        with use_case() as session:
            address = read_address(session, current_principal(), address_id)
            return address


@blp.route("/<address_id>/verify")
class VerifyAddress(MethodView):
    @roles(*PLANNERS)
    @blp.arguments(VerifyRequestSchema)
    @blp.response(200, AddressSchema)
    def post(self, body, address_id):
        """Verify an address by hand with a note (optionally at a point or the proposed one)."""
        point = (body["lat"], body["lng"]) if "lat" in body else None
        with use_case() as session:
            address = verify_address(session, current_principal(), address_id, body["note"],
                                     point, body["accept_proposed"], _overrides(), utcnow())
            return address
