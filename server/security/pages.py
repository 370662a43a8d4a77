"""MAX_PAGE_SIZE: one ceiling on page_size for every paginated view (each view may cap lower);
and a ceiling on page, whose offset would otherwise overflow the database's integers (a 500)."""

from __future__ import annotations

from flask import Flask, current_app, request

from server.errors import InvalidInput

MAX_PAGE = 1_000_000  # with MAX_PAGE_SIZE in the hundreds, offsets stay far below 2**31


def _refuse_above(name: str, limit: int) -> None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return  # absent or not a number: the view's own schema answers that
    if value > limit:
        raise InvalidInput(f"{name} may be at most {limit}",
                           {name: [f"Must be less than or equal to {limit}."]})


def _check_page_size():
    _refuse_above("page_size", current_app.config["MAX_PAGE_SIZE"])
    _refuse_above("page", MAX_PAGE)


def init_app(app: Flask) -> None:
    """Check page and page_size on every request, before the view."""
    app.before_request(_check_page_size)
