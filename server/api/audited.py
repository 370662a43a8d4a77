"""One page of personal data, its read recorded in the audit trail in the same unit of work."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select
from sqlalchemy.orm import Session

from server.api.pagination import paginate_select
from server.audit.reads import keep_after_commit, record_list


def audited_page(session: Session, actor_id: str, object_type: str, stmt: Select,
                 query: Mapping, pagination_parameters) -> list:
    """Run one page of `stmt`, record one `<object_type>.list` event naming its ids (with the
    filters and page number), and return the rows, kept loaded past the commit."""
    rows = paginate_select(session, stmt, pagination_parameters)
    record_list(session, actor_id, object_type, [row.id for row in rows],
                {**query, "page": pagination_parameters.page})
    keep_after_commit(session, rows)
    return rows
