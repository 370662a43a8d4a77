"""Pagination over SQLAlchemy selects with flask-smorest's page/page_size parameters.

flask-smorest validates page_size against the view's max_page_size (422 beyond it) and
writes the X-Pagination header from `item_count`.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate_select(session: Session, stmt: Select, pagination_parameters) -> list:
    """Run one page of `stmt` and record the total for the X-Pagination header."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
    return session.scalars(stmt.offset(offset).limit(pagination_parameters.page_size)).all()
