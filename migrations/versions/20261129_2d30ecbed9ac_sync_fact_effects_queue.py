"""sync: the queue of pushed facts whose compliance flags and address evidence are still due

Revision ID: 2d30ecbed9ac
Revises: e96c56185f0f
Create Date: 2026-11-29 07:38:10.609817

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '2d30ecbed9ac'
down_revision = 'e96c56185f0f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_fact_effects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_fact_effects'))
    )


def downgrade():
    op.drop_table('sync_fact_effects')
