"""`flask addresses …`: geocode addresses in batches, with a progress bar."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from server.access import OPERATOR
from server.addresses.geo.timezones import parse_overrides
from server.addresses.geocoding import configured_geocoder, geocode_addresses, resolve_ids
from server.models import Verification, utcnow
from server.unit_of_work import use_case

addresses_cli = AppGroup("addresses", help="Address verification.")


@addresses_cli.command("geocode")
@click.option("--all-unverified", is_flag=True, help="Every unverified address (no limit).")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="At most this many unverified addresses.")
@click.option("--id", "address_ids", multiple=True, help="Only these addresses (repeatable).")
def geocode_command(all_unverified, limit, address_ids):
    """Geocode unverified addresses; each batch is committed as it finishes."""
    config = current_app.config
    overrides, size = parse_overrides(config["TZ_OVERRIDES"]), config["GEOCODE_BATCH_SIZE"]
    with use_case() as session:
        ids = resolve_ids(session, OPERATOR, list(address_ids) or None,
                          Verification.UNVERIFIED, 10**9 if all_unverified else limit)
    totals = {"geocoded": 0, "failed": 0, "skipped": 0}
    with configured_geocoder(config) as geocoder, click.progressbar(
            length=len(ids), label="geocoding") as bar:
        for start in range(0, len(ids), size):
            chunk = ids[start:start + size]
            with use_case() as session:
                report = geocode_addresses(session, geocoder, chunk, overrides, utcnow(),
                                           batch_size=size)
            totals["geocoded"] += report.count(Verification.GEOCODED)
            totals["failed"] += report.count(Verification.FAILED)
            totals["skipped"] += report.skipped
            bar.update(len(chunk))
    click.echo(f"{len(ids)} address(es): {totals['geocoded']} geocoded, "
               f"{totals['failed']} failed, {totals['skipped']} skipped")
