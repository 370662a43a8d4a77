"""Complaints say whether they were upheld (issue #16): recall by rules reads it.

Revision ID: b7d41c0e9a12
Revises: b4d2e6f81a37
Create Date: 2026-12-03 08:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d41c0e9a12'
down_revision = 'b4d2e6f81a37'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('complaints', sa.Column('upheld', sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column('complaints', 'upheld')
