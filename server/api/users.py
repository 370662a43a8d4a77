"""/api/v1/users: list (scoped), create (admin), and the caller's own profile."""

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.routing import BaseConverter

from server.api.pagination import paginate_select
from server.api.security import current_principal, roles
from server.api.user_schemas import (
    PasswordResetSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from server.auth.service import create_user
from server.extensions import db
from server.models import Role, utcnow
from server.people.admin import reset_password, update_user
from server.people.queries import get_self, get_visible_user, visible_users
from server.unit_of_work import use_case

blp = Blueprint("users", __name__, url_prefix="/users", description="Users")


class UserIdConverter(BaseConverter):
    """A user id, never `me`: /users/me keeps answering 405 to methods it does not have."""

    regex = r"(?!me(?:/|$))[^/]+"


def user_id_schema(converter) -> dict:
    return {"type": "string"}


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
        with use_case() as session:
            user = create_user(session, body["username"], body["password"], body["role"],
                               body.get("team"), body.get("agency"),
                               actor_id=current_principal().user_id,
                               display_name=body.get("display_name", body["username"]))
            return user


@blp.route("/me")
class Me(MethodView):
    @roles(*Role.ALL)
    @blp.response(200, UserSchema)
    def get(self):
        """The caller's own profile."""
        return get_self(db.session, current_principal())


@blp.route("/<user_id:user_id>")
class UserById(MethodView):
    @roles(Role.ADMIN, Role.DISPATCHER, Role.COMPLIANCE)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user the caller may see (dispatchers: their agency's)."""
        return get_visible_user(db.session, current_principal(), user_id)

    @roles(Role.ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, body, user_id):
        """Change a user: profile, role, team, credentials, base, shift, capacity, active
        (admin only, audited)."""
        with use_case() as session:
            user = update_user(session, current_principal().user_id, user_id, body,
                               utcnow())
            return user


@blp.route("/<user_id:user_id>/password")
class UserPassword(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(PasswordResetSchema)
    @blp.response(200, UserSchema)
    def put(self, body, user_id):
        """Reset a user's password: clears a lockout, ends their tokens (admin only)."""
        with use_case() as session:
            user = reset_password(session, current_principal().user_id, user_id,
                                  body["password"], utcnow())
            return user
