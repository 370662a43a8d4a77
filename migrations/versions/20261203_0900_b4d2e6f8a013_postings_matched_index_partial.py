"""Lender postings: the matched-payment index holds only matched postings (issue #16).

Every lookup of `matched_payment_id` is by a payment's id (an equality, which implies NOT
NULL), and postings are inserted unmatched: the partial index costs an import nothing.

Revision ID: b4d2e6f8a013
Revises: 7d3e5a1f0c42
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b4d2e6f8a013'
down_revision = '7d3e5a1f0c42'
branch_labels = None
depends_on = None

WHERE = sa.text("matched_payment_id IS NOT NULL")


def upgrade():
    with op.batch_alter_table('lender_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_lender_postings_matched_payment_id')
        batch_op.create_index('ix_lender_postings_matched_payment_id', ['matched_payment_id'],
                              unique=False, postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade():
    with op.batch_alter_table('lender_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_lender_postings_matched_payment_id')
        batch_op.create_index('ix_lender_postings_matched_payment_id', ['matched_payment_id'],
                              unique=False)
