"""`flask rules …`: store the seeded rule profiles."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.compliance.profile_store import seed_profiles
from server.unit_of_work import use_case

rules_cli = AppGroup("rules", help="Compliance rule profiles.")


@rules_cli.command("seed")
def seed_command():
    """Store the seeded jurisdiction profiles (CN, US, US-MA, IN, UK) not stored yet."""
    with use_case() as session:
        added = seed_profiles(session)
    click.echo(f"seeded {len(added)} profile(s): {', '.join(added) or 'none (all present)'}")
