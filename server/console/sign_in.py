"""Sign in, sign out, the language switch and the home page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from server.auth.service import log_in, log_out
from server.auth.settings import login_policy
from server.console import blp
from server.console.i18n import LANGUAGES
from server.console.session import caller, end, page, start
from server.errors import RateLimited, Unauthenticated
from server.models import Role
from server.unit_of_work import use_case


def _local_target(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return url_for("console.home")


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with a username and password (the API's log-in: same back-off, same audit)."""
    if request.method == "GET":
        return render_template("console/sign_in.html", next=request.args.get("next", ""))
    name = request.form.get("username", "").strip()
    try:
        with use_case() as session:
            issued = log_in(session, name, request.form.get("password", ""), None,
                            login_policy(current_app.config), source=request.remote_addr)
    except (Unauthenticated, RateLimited) as exc:
        limited = isinstance(exc, RateLimited)
        message = _("Too many failed sign-ins; wait %(s)s s and try again.",
                    s=(exc.errors or {}).get("retry_after", 1)) if limited else \
            _("Wrong username or password.")
        return render_template("console/sign_in.html", error=message, username=name,
                               next=request.form.get("next", "")), 429 if limited else 401
    start(issued.token)
    return redirect(_local_target(request.form.get("next")))


@blp.route("/sign-out", methods=["POST"])
@page(*Role.ALL)
def sign_out():
    """Revoke the session's token and forget it."""
    with use_case() as db_session:
        log_out(db_session, caller().token_id)
    end()
    return redirect(url_for("console.sign_in"))


@blp.route("/language", methods=["POST"])
def language():
    """Switch the console's language (kept in the session cookie)."""
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_local_target(request.form.get("next")))


@blp.route("/")
@page(*Role.ALL)
def home():
    """Collectors and staff go to today's board (a collector's is their own day); the
    lender's operations, who work no visits, to the imports."""
    lender_ops = caller().role == Role.LENDER_OPS
    return redirect(url_for("console.imports" if lender_ops else "console.board"))
