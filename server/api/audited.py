"""One page of personal data, its read recorded in the audit trail in the same commit."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select

from server.api.pagination import paginate_select
from server.audit.reads import keep_after_commit, record_list
from server.unit_of_work import UnitOfWork


def audited_page(uow: UnitOfWork, actor_id: str, object_type: str, stmt: Select,
                 query: Mapping, pagination_parameters) -> list:
    """Run one page of `stmt`, record one `<object_type>.list` event naming its ids (with the
    filters and page number), commit, and return the rows still loaded."""
    rows = paginate_select(uow.session, stmt, pagination_parameters)
    record_list(uow.session, actor_id, object_type, [row.id for row in rows],
                {**query, "page": pagination_parameters.page})
    keep_after_commit(uow.session, rows)
    uow.commit()
    return rows
