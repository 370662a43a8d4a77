"""/api/v1/cases: find cases, read one case whole, and its timeline; every read audited."""

from flask.views import MethodView
from flask_smorest import Blueprint

from server.api.audited import audited_page
from server.api.case_schemas import (
    CaseDetailSchema,
    CaseQuerySchema,
    CaseRowSchema,
    TimelineQuerySchema,
    TimelineSchema,
)
from server.api.security import current_principal, roles
from server.cases.search import search_cases
from server.cases.summaries import case_rows
from server.cases.timeline import case_timeline
from server.cases.view import read_case
from server.models import Role, utcnow
from server.unit_of_work import flask_uow

blp = Blueprint("cases", __name__, url_prefix="/cases", description="Cases")


@blp.route("")
class Cases(MethodView):
    @roles(*Role.ALL)
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CaseRowSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Search the cases the caller may read (collectors: their assigned cases;
        dispatchers: their agency's placed cases); the ids shown are audited."""
        caller, now = current_principal(), utcnow()
        with flask_uow() as uow:
            stmt = search_cases(uow.session, caller, query, now)
            page = audited_page(uow, caller.user_id, "case", stmt, query, pagination_parameters)
            return case_rows(uow.session, caller.role, page, now)


@blp.route("/<case_id>")
class CaseById(MethodView):
    @roles(*Role.ALL)
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """One case whole: parties (masked per role), accounts, addresses, contacts,
        placements, promises, state, today's rules, open work, counts (audited)."""
        with flask_uow() as uow:
            view = read_case(uow.session, current_principal(), case_id, utcnow())
            uow.commit()
            return view


@blp.route("/<case_id>/timeline")
class CaseTimeline(MethodView):
    @roles(*Role.ALL)
    @blp.arguments(TimelineQuerySchema, location="query")
    @blp.response(200, TimelineSchema)
    def get(self, query, case_id):
        """Everything that happened on the case, oldest first, in keyset pages (audited)."""
        with flask_uow() as uow:
            page = case_timeline(uow.session, current_principal(), case_id, query.get("kind", ()),
                                 query.get("after"), query["limit"])
            uow.commit()
            return page
