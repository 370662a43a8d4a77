"""/api/v1/users: list (scoped), create (admin), and the caller's own profile."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.api.user_schemas import UserCreateSchema, UserQuerySchema, UserSchema
from server.auth.service import create_user
from server.extensions import db
from server.models import Role
from server.people.queries import get_self, visible_users
from server.unit_of_work import flask_uow

blp = Blueprint("users", __name__, url_prefix="/users", description="Users")


@blp.route("")
class Users(MethodView):
    @roles(Role.ADMIN, Role.DISPATCHER, Role.COMPLIANCE)
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List users the caller may see (dispatchers: their agency)."""
        stmt = visible_users(current_principal(), query.get("role"), query.get("team_id"))
        return paginate_select(db.session, stmt, pagination_parameters)

    @roles(Role.ADMIN)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Create a user (admin only)."""
        with flask_uow() as uow:
            user = create_user(uow.session, body["username"], body["password"], body["role"],
                               body.get("team"), body.get("agency"),
                               actor_id=current_principal().user_id,
                               display_name=body.get("display_name", body["username"]))
            uow.commit()
            return user


@blp.route("/me")
class Me(MethodView):
    @roles(*Role.ALL)
    @blp.response(200, UserSchema)
    def get(self):
        """The caller's own profile."""
        return get_self(db.session, current_principal())
