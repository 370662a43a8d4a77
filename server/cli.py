"""`flask` commands: users, demo (and, as features land: import, jobs, routes)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from server.audit import service as audit
from server.auth.service import create_user
from server.demo import seed as demo
from server.demo.report import format_report
from server.errors import DomainError
from server.models import Role
from server.unit_of_work import flask_uow

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
        with flask_uow() as uow:
            user = create_user(uow.session, username, password, role, team_code, agency_code,
                               display_name=display_name or username)
            uow.commit()
            click.echo(f"created {role} {username} ({user.id})")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@audit_cli.command("verify")
@click.option("--anchor", help="A head hash kept from an earlier run; it must still be there.")
def verify_audit_command(anchor):
    """Check every event's hash and link; exit 1 on the first break."""
    with flask_uow() as uow:
        count, broken = audit.verify(uow.session, anchor)
        if broken is not None:
            click.echo(f"BROKEN at event {broken.event_id}: {broken.reason}", err=True)
            sys.exit(1)
        click.echo(f"ok: {count} events, head {audit.head_hash(uow.session)}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing (and say so) if any user exists.")
@click.option("--seed", "seed", type=int, default=demo.DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed on the same day gives the same data.")
@click.option("--debtors", type=click.IntRange(min=demo.MIN_DEBTORS),
              default=demo.DEFAULT_DEBTORS, show_default=True, help="How many debtors.")
def seed_demo_command(if_empty, seed, debtors):
    """Seed agencies, teams, logins, debtors and visits around today into an empty database."""
    with flask_uow() as uow:
        if if_empty and demo.has_users(uow.session):
            click.echo("demo seed: users exist already, nothing seeded (--if-empty).")
            return
        try:
            report = demo.seed_demo(uow.session, seed=seed, debtors=debtors)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        uow.commit()
    click.echo(format_report(report))


def init_app(app: Flask) -> None:
    """Register every command group."""
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_cli)
