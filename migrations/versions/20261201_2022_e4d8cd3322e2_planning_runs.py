"""planning runs: a team's day planned in the background, with its progress

Revision ID: e4d8cd3322e2
Revises: 6bd973b21cf6
Create Date: 2026-12-01 20:22:22.360795

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e4d8cd3322e2'
down_revision = '6bd973b21cf6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('planning_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('agency_id', sa.String(length=64), nullable=True),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('agents', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('vehicles_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('vehicles_total', sa.Integer(), nullable=True),
    sa.Column('report', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_planning_runs_agency_id_agencies')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_planning_runs_created_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_planning_runs_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_runs'))
    )


def downgrade():
    op.drop_table('planning_runs')
