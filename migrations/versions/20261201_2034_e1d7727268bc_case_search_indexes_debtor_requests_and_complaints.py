"""case search indexes (GET /cases), the debtor's requests as case events, complaints

Revision ID: e1d7727268bc
Revises: e8e1bf536d57
Create Date: 2026-12-01 20:34:14.745942

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e1d7727268bc'
down_revision = 'e8e1bf536d57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_events',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_case_events_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    op.create_index('ix_case_events_case_at', 'case_events', ['case_id', 'occurred_at'], unique=False)
    op.create_table('complaints',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('subject_user_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handler_id', sa.String(length=64), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('extended_by', sa.String(length=64), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('final_response', sa.String(length=4000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaints_case_id_cases')),
    sa.ForeignKeyConstraint(['extended_by'], ['users.id'], name=op.f('fk_complaints_extended_by_users')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_complaints_handler_id_users')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_complaints_recorded_by_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_complaints_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    op.create_index(op.f('ix_complaints_case_id'), 'complaints', ['case_id'], unique=False)
    op.create_index('ix_complaints_status_due', 'complaints', ['status', 'due_at'], unique=False)
    op.create_index('ix_accounts_external_id', 'accounts', ['external_id'], unique=False)
    op.add_column('cases', sa.Column('hardship', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_index('ix_cases_external_id', 'cases', ['external_id'], unique=False)
    op.create_index(op.f('ix_contact_points_value'), 'contact_points', ['value'], unique=False)
    op.create_index('ix_parties_full_name', 'parties', ['full_name'], unique=False, postgresql_ops={'full_name': 'varchar_pattern_ops'})
    op.create_index('ix_parties_national_id_last4', 'parties', [sa.literal_column('substr(national_id, length(national_id) - 3)')], unique=False)


def downgrade():
    op.drop_index('ix_parties_national_id_last4', table_name='parties')
    op.drop_index('ix_parties_full_name', table_name='parties', postgresql_ops={'full_name': 'varchar_pattern_ops'})
    op.drop_index(op.f('ix_contact_points_value'), table_name='contact_points')
    op.drop_index('ix_cases_external_id', table_name='cases')
    op.drop_column('cases', 'hardship')
    op.drop_index('ix_accounts_external_id', table_name='accounts')
    op.drop_index('ix_complaints_status_due', table_name='complaints')
    op.drop_index(op.f('ix_complaints_case_id'), table_name='complaints')
    op.drop_table('complaints')
    op.drop_index('ix_case_events_case_at', table_name='case_events')
    op.drop_table('case_events')
