"""the debtor's requests and calls as device facts (case_requests, call_logs), import history

Revision ID: a7c3f9e15b42
Revises: e93fcac1e3b6
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'a7c3f9e15b42'
down_revision = 'e93fcac1e3b6'
branch_labels = None
depends_on = None


def _fact_columns():
    return [
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=True),
    ]


def _fact_table(name, *columns):
    op.create_table(
        name, *columns, *_fact_columns(),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f(f'fk_{name}_case_id_cases')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{name}_user_id_users')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'],
                                name=op.f(f'fk_{name}_visit_id_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')))
    op.create_index(op.f(f'ix_{name}_case_id'), name, ['case_id'], unique=False)
    op.create_index(op.f(f'ix_{name}_user_id'), name, ['user_id'], unique=False)


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    _fact_table(
        'case_requests',
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('visit_id', sa.String(length=64), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('contact_point_id', sa.String(length=64), nullable=True),
        sa.Column('opt_out_id', sa.String(length=64), nullable=True),
        sa.Column('address_id', sa.String(length=64), nullable=True),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('reason', sa.String(length=16), nullable=True),
        sa.Column('category', sa.String(length=24), nullable=True),
        sa.Column('windows', json, nullable=True),
        sa.Column('value', sa.String(length=300), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('event_id', sa.String(length=64), nullable=True))
    _fact_table(
        'call_logs',
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('visit_id', sa.String(length=64), nullable=True),
        sa.Column('contact_point_id', sa.String(length=64), nullable=False),
        sa.Column('connected', sa.Boolean(), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('duration_s', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True))
    op.create_table(
        'import_changes',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('run_id', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('outstanding_before', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('outstanding_after', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_import_changes_account_id_accounts')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_import_changes_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_changes')))
    op.create_index('ix_import_changes_case_at', 'import_changes', ['case_id', 'recorded_at'],
                    unique=False)
    op.create_index(op.f('ix_import_changes_run_id'), 'import_changes', ['run_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_import_changes_run_id'), table_name='import_changes')
    op.drop_index('ix_import_changes_case_at', table_name='import_changes')
    op.drop_table('import_changes')
    for name in ('call_logs', 'case_requests'):
        op.drop_index(op.f(f'ix_{name}_user_id'), table_name=name)
        op.drop_index(op.f(f'ix_{name}_case_id'), table_name=name)
        op.drop_table(name)
