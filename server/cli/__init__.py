"""`flask` commands: users, demo, import, audit, rules, jobs, addresses, route-plans, dev."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from server.audit import service as audit
from server.audit.anchors import BadAnchor, read_anchors
from server.auth.service import create_user
from server.cli.addresses import addresses_cli
from server.cli.imports_output import Progress, rejection_message, summary_lines
from server.cli.jobs import jobs_cli
from server.cli.payments import clients_cli, postings_cli
from server.cli.route_plans_output import progress_printer, summary_line
from server.cli.rules import rules_cli
from server.compliance.profile_store import seed_profiles
from server.demo import seed as demo
from server.demo.report import format_report
from server.demo.reset import drop_everything
from server.demo.rows import local_today as demo_local_today
from server.devserver import dev_commands, run_together
from server.errors import DomainError
from server.extensions import db
from server.imports import ImportRequest, import_cases
from server.models import Role, utcnow
from server.routing import plan_routes, routing_settings
from server.unit_of_work import use_case

users_cli = AppGroup("users", help="Manage logins.")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")
demo_cli = AppGroup("demo", help="A believable demo operation in Shanghai (synthetic data).")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(Role.ALL), required=True)
@click.option("--team", "team_code", help="Team code (collectors, dispatchers).")
@click.option("--agency", "agency_code", help="Agency code.")
@click.option("--display-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username, role, team_code, agency_code, display_name, password_stdin):
    """Create a user; the password comes from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with use_case() as session:
            user = create_user(session, username, password, role, team_code, agency_code,
                               display_name=display_name or username)
            click.echo(f"created {role} {username} ({user.id})")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@audit_cli.command("verify")
@click.option("--anchor", help="A head hash kept from an earlier run; it must still be there.")
@click.option("--anchor-file", help="Anchors to check (default: AUDIT_ANCHOR_FILE).")
@click.option("--no-anchors", is_flag=True, help="Check the chain only, not the anchor file.")
def verify_audit_command(anchor, anchor_file, no_anchors):
    """Check every event's keyed hash and link, and the scheduler's anchors; exit 1 on a break."""
    path = anchor_file or current_app.config.get("AUDIT_ANCHOR_FILE", "")
    anchors = []
    if not no_anchors and path:
        if not Path(path).exists():
            click.echo(f"no anchor file at {path} (is the scheduler running?); "
                       "checking the chain only", err=True)
        else:
            try:
                anchors = read_anchors(path, audit.chain_key())
            except BadAnchor as exc:
                click.echo(f"BROKEN anchors: {exc}", err=True)
                sys.exit(1)
    with use_case() as session:
        count, broken = audit.verify(session, anchor, anchors)
        if broken is not None:
            click.echo(f"BROKEN at event {broken.event_id}: {broken.reason}", err=True)
            sys.exit(1)
        click.echo(f"ok: {count} events, {len(anchors)} anchors, "
                   f"head {audit.head_hash(session)}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing (and say so) if any user exists.")
@click.option("--seed", "seed", type=int, default=demo.DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed on the same day gives the same data.")
@click.option("--debtors", type=click.IntRange(min=demo.MIN_DEBTORS),
              default=demo.DEFAULT_DEBTORS, show_default=True, help="How many debtors.")
def seed_demo_command(if_empty, seed, debtors):
    """Seed agencies, teams, logins, debtors and visits around today into an empty database."""
    with use_case() as session:
        if if_empty and demo.has_users(session):
            click.echo("demo seed: users exist already, nothing seeded (--if-empty).")
            return
        try:
            report = demo.seed_demo(session, seed=seed, debtors=debtors)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(format_report(report))


@demo_cli.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--seed", "seed", type=int, default=demo.DEFAULT_SEED, show_default=True)
@click.option("--debtors", type=click.IntRange(min=demo.MIN_DEBTORS),
              default=demo.DEFAULT_DEBTORS, show_default=True)
def reset_demo_command(yes, seed, debtors):
    """Erase the database, migrate it to head and seed the rules and a new demo for today."""
    if current_app.config.get("DOORSTEP_ENV") == "production":
        raise click.ClickException("refusing to erase a production database")
    where = db.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"erase everything in {where} and seed a new demo?", abort=True)
    dropped = drop_everything(db.engine)
    db.engine.dispose()
    upgrade(directory=current_app.extensions["migrate"].directory)
    with use_case() as session:
        seed_profiles(session)
        report = demo.seed_demo(session, seed=seed, debtors=debtors)
    click.echo(f"demo reset: {len(dropped)} tables dropped, migrated to head, rules seeded")
    click.echo(format_report(report))


@demo_cli.command("today")
def demo_today_command():
    """Print the demo's date (today in Shanghai, whatever this machine's zone), e.g. to plan."""
    click.echo(demo_local_today(utcnow()).isoformat())


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def dev_command(host, port):
    """Serve the API and run the scheduler beside it; Ctrl-C or SIGTERM stops both."""
    sys.exit(run_together(dev_commands(host, port), click.echo))


import_cli = AppGroup("import", help="Load cases from a lender's files.")


@import_cli.command("cases")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lender", "lender_code", help="Lender agency code (optional if only one).")
@click.option("--format", "file_format", type=click.Choice(["csv", "json"]),
              help="Default: from the file name or content.")
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@click.option("--errors", "max_errors", default=20, show_default=True,
              help="How many rejected rows to list.")
def import_cases_command(file, lender_code, file_format, dry_run, max_errors):
    """Import a case file (CSV in UTF-8 or GBK, or JSON); rejected rows are listed at the end."""
    progress = Progress(f"importing {file.name}")
    try:
        with file.open("rb") as stream, use_case() as session:
            run = import_cases(session, ImportRequest(stream, file.name, lender_code, file_format,
                                                  dry_run, source="cli", progress=progress))
            progress.close()
            click.echo("\n".join(summary_lines(run, max_errors)))
    except DomainError as exc:
        progress.close()
        raise click.ClickException(rejection_message(exc)) from exc


# Not "routes": Flask's own `flask routes` (the URL map) would shadow it.
routes_cli = AppGroup("route-plans", help="Daily route plans for collectors.")


@routes_cli.command("plan")
@click.option("--date", "plan_date", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--team", "team", help="Team code or id (every active collector in it).")
@click.option("--collectors", help="Comma-separated usernames or ids (within --team if given).")
@click.option("--max-runtime", type=click.FloatRange(min=0.1),
              help="Seconds per route (default ROUTING_MAX_RUNTIME_S).")
def plan_routes_command(plan_date, team, collectors, max_runtime):
    """Plan and store a day's routes, printing each collector's or pair's result."""
    if not team and not collectors:
        raise click.UsageError("give --team, --collectors or both")
    provider, budget = routing_settings(current_app.config, max_runtime)
    day = plan_date.date()
    click.echo(f"planning {day.isoformat()} ...")
    try:
        with use_case() as session:
            plans = plan_routes(session, day, collectors.split(",") if collectors else None, team,
                                matrix_provider=provider, budget=budget,
                                progress=progress_printer(click.echo),
                                two_person=current_app.config.get("ROUTING_TWO_PERSON", "meet"),
                                tolerance_s=60 * current_app.config.get(
                                    "ROUTING_MEET_TOLERANCE_MIN", 10))
            click.echo(summary_line(plans, day))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


def init_app(app: Flask) -> None:
    """Register every command group."""
    app.cli.add_command(users_cli)
    app.cli.add_command(addresses_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(rules_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(routes_cli)
    app.cli.add_command(dev_command)
    app.cli.add_command(clients_cli)
    app.cli.add_command(postings_cli)
