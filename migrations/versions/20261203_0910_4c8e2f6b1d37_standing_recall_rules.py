"""A lender's standing recall rules, applied by the nightly job (issue #16).

Revision ID: 4c8e2f6b1d37
Revises: b7d41c0e9a12
Create Date: 2026-12-03 09:10:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4c8e2f6b1d37'
down_revision = 'b7d41c0e9a12'
branch_labels = None
depends_on = None


def upgrade():
    when = sa.DateTime(timezone=True)
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table(
        'standing_recall_rules',
        sa.Column('lender_id', sa.String(length=64), nullable=False),
        sa.Column('rules', json, nullable=False),
        sa.Column('agencies', json, nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('return_case', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', when, nullable=False),
        sa.Column('last_run_at', when, nullable=True),
        sa.Column('last_result', json, nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'],
                                name=op.f('fk_standing_recall_rules_lender_id_agencies')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'],
                                name=op.f('fk_standing_recall_rules_updated_by_users')),
        sa.PrimaryKeyConstraint('lender_id', name=op.f('pk_standing_recall_rules')))


def downgrade():
    op.drop_table('standing_recall_rules')
