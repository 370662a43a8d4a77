"""review flags on payments and promises (implausible field values wait for a person)

Revision ID: e8e1bf536d57
Revises: e4d8cd3322e2
Create Date: 2026-12-01 20:22:02.653247

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e8e1bf536d57'
down_revision = 'e4d8cd3322e2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('payment_promises', sa.Column('review_flag', sa.String(length=200),
                                                nullable=True))
    op.add_column('payments', sa.Column('review_flag', sa.String(length=200), nullable=True))


def downgrade():
    op.drop_column('payments', 'review_flag')
    op.drop_column('payment_promises', 'review_flag')
