"""`flask api-clients` (machine credentials of lenders) and `flask postings import`."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from server.auth.clients import SCOPES, create_client, revoke_client
from server.errors import DomainError
from server.models import Role, utcnow
from server.payments.service import import_postings
from server.unit_of_work import use_case

clients_cli = AppGroup("api-clients", help="Machine credentials of lenders' systems.")
postings_cli = AppGroup("postings", help="Payments and reversals from lenders' systems.")
# The CLI acts as the lender's own administrator (as `flask import cases` does).
CLI_CALLER = SimpleNamespace(role=Role.ADMIN, user_id=None, agency_id=None)


@clients_cli.command("create")
@click.argument("name")
@click.option("--lender", "lender_code", required=True, help="The lender's agency code.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), required=True)
def create_client_command(name, lender_code, scopes):
    """Create an API client; its token is printed once (only its hash is stored)."""
    try:
        with use_case() as session:
            issued = create_client(session, None, name, lender_code, list(scopes))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created API client {issued.client.id} for {lender_code}")
    click.echo(f"token (shown once): {issued.token}")


@clients_cli.command("revoke")
@click.argument("client_id")
@click.option("--reason", required=True)
def revoke_client_command(client_id, reason):
    """Revoke an API client's token at once."""
    try:
        with use_case() as session:
            revoke_client(session, None, client_id, reason)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"revoked API client {client_id}")


@postings_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lender", "lender_code", required=True, help="The lender's agency code.")
def import_postings_command(file, lender_code):
    """Import a CSV of postings (UTF-8 or GBK); rejected rows are listed with their errors."""
    zone = ZoneInfo(current_app.config["SCHEDULER_TIMEZONE"])
    try:
        with file.open("rb") as stream, use_case() as session:
            report = import_postings(session, CLI_CALLER, stream, file.name, lender_code,
                                     utcnow(), zone)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors or ''}".strip()) from exc
    click.echo(" ".join(f"{k}={report[k]}" for k in
                        ("rows", "applied", "unmatched", "replayed", "conflicts", "rejected")))
    for row in report["rejected_rows"][:20]:
        click.echo(f"line {row['line']} {row['txn_id']}: {row['errors']}")
