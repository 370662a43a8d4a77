"""money: receipt numbers unique per lender, resolving postings and conflicts, offers

Revision ID: fe2947e8b7df
Revises: a7c3f9e15b42
Create Date: 2026-12-02 04:45:00

"""
import warnings
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'fe2947e8b7df'
down_revision = 'a7c3f9e15b42'
branch_labels = None
depends_on = None
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


@contextmanager
def _batch(table):
    # SQLite rebuilds the table, reflecting the tables it points to; the expression index on
    # parties can't be reflected there and is not touched, so its warning is noise.
    with warnings.catch_warnings(), op.batch_alter_table(table, schema=None) as batch_op:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        yield batch_op


def upgrade():
    op.create_table(
        'payment_offers',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('visit_id', sa.String(length=64), nullable=True),
        sa.Column('lender_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('balance', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('discount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('schedule', _JSON, nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('proposed_by', sa.String(length=64), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=200), nullable=True),
        sa.Column('promise_ids', _JSON, nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_payment_offers_account_id_accounts')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_payment_offers_case_id_cases')),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'],
                                name=op.f('fk_payment_offers_decided_by_users')),
        sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'],
                                name=op.f('fk_payment_offers_lender_id_agencies')),
        sa.ForeignKeyConstraint(['proposed_by'], ['users.id'],
                                name=op.f('fk_payment_offers_proposed_by_users')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'],
                                name=op.f('fk_payment_offers_visit_id_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_offers')))
    op.create_index(op.f('ix_payment_offers_account_id'), 'payment_offers', ['account_id'])
    op.create_index(op.f('ix_payment_offers_case_id'), 'payment_offers', ['case_id'])
    op.create_index('ix_payment_offers_status_proposed', 'payment_offers',
                    ['status', 'proposed_at'])
    op.create_table(
        'approval_limits',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=80), nullable=False),
        sa.Column('lender_key', sa.String(length=64), nullable=False),
        sa.Column('max_discount_pct', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('max_discount_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('max_instalments', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'],
                                name=op.f('fk_approval_limits_updated_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_limits')),
        sa.UniqueConstraint('subject', 'lender_key',
                            name=op.f('uq_approval_limits_subject_lender_key')))
    with _batch('payments') as batch_op:
        batch_op.add_column(sa.Column('lender_id', sa.String(length=64), nullable=True))
    op.execute("UPDATE payments SET lender_id = (SELECT accounts.lender_id FROM accounts "
               "WHERE accounts.id = payments.account_id)")
    with _batch('payments') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payments_receipt_no'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payments_lender_id_receipt_no'),
                                          ['lender_id', 'receipt_no'])
        batch_op.create_foreign_key(batch_op.f('fk_payments_lender_id_agencies'), 'agencies',
                                    ['lender_id'], ['id'])
    with _batch('lender_postings') as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.String(length=200), nullable=True))
    with _batch('posting_conflicts') as batch_op:
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_posting_conflicts_resolved_by_users'),
                                    'users', ['resolved_by'], ['id'])


def downgrade():
    op.drop_table('approval_limits')
    op.drop_index('ix_payment_offers_status_proposed', table_name='payment_offers')
    op.drop_index(op.f('ix_payment_offers_case_id'), table_name='payment_offers')
    op.drop_index(op.f('ix_payment_offers_account_id'), table_name='payment_offers')
    op.drop_table('payment_offers')
    with _batch('posting_conflicts') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posting_conflicts_resolved_by_users'),
                                 type_='foreignkey')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_by')
    with _batch('lender_postings') as batch_op:
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolution')
    with _batch('payments') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_lender_id_agencies'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_payments_lender_id_receipt_no'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payments_receipt_no'), ['receipt_no'])
        batch_op.drop_column('lender_id')
