"""/api/v1/devices: the phones collectors sync from; an admin revokes or releases one."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.device_schemas import DeviceQuerySchema, DeviceSchema, RevokeSchema
from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.extensions import db
from server.models import Role, utcnow
from server.sync.devices import release_device, revoke_device, visible_devices
from server.unit_of_work import use_case

blp = Blueprint("devices", __name__, url_prefix="/devices", description="Devices")


@blp.route("")
class Devices(MethodView):
    @roles(Role.ADMIN, Role.DISPATCHER)
    @blp.arguments(DeviceQuerySchema, location="query")
    @blp.response(200, DeviceSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List devices (dispatchers: their team's collectors)."""
        p = current_principal()
        stmt = visible_devices(p.role, p.team_id, query.get("user_id"))
        return paginate_select(db.session, stmt, pagination_parameters)


@blp.route("/<string:device_id>/revoke")
class DeviceRevoke(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(RevokeSchema)
    @blp.response(200, DeviceSchema)
    def post(self, body, device_id):
        """Revoke a device: its tokens stop working at once."""
        with use_case() as session:
            device = revoke_device(session, device_id, body["reason"], utcnow(),
                                   current_principal().user_id)
            return device


@blp.route("/<string:device_id>/release")
class DeviceRelease(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(RevokeSchema)
    @blp.response(200, DeviceSchema)
    def post(self, body, device_id):
        """Release a device handed to a colleague: its tokens end, the next login takes it."""
        with use_case() as session:
            device = release_device(session, device_id, body["reason"], utcnow(),
                                    current_principal().user_id)
            return device
