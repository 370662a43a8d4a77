"""offers made at the door recorded on the phone: the offer_requests device fact (#16)

Revision ID: b4d2e6f81a37
Revises: c011ec7024a1
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'b4d2e6f81a37'
down_revision = 'c011ec7024a1'
branch_labels = None
depends_on = None


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.create_table(
        'offer_requests',
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('visit_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('schedule', json, nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('offer_id', sa.String(length=64), nullable=True),
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_offer_requests_account_id_accounts')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_offer_requests_case_id_cases')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_offer_requests_user_id_users')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'],
                                name=op.f('fk_offer_requests_visit_id_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_requests')))
    op.create_index(op.f('ix_offer_requests_case_id'), 'offer_requests', ['case_id'],
                    unique=False)
    op.create_index(op.f('ix_offer_requests_visit_id'), 'offer_requests', ['visit_id'],
                    unique=False)
    op.create_index(op.f('ix_offer_requests_user_id'), 'offer_requests', ['user_id'],
                    unique=False)


def downgrade():
    for column in ('user_id', 'visit_id', 'case_id'):
        op.drop_index(op.f(f'ix_offer_requests_{column}'), table_name='offer_requests')
    op.drop_table('offer_requests')
