"""the debtor's self-service: revocable links and one-time codes

Revision ID: 5e1f7c2a9d30
Revises: fe2947e8b7df
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5e1f7c2a9d30'
down_revision = 'fe2947e8b7df'
branch_labels = None
depends_on = None


def upgrade():
    when = sa.DateTime(timezone=True)
    op.create_table(
        'self_service_links',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('party_id', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('created_at', when, nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('expires_at', when, nullable=False),
        sa.Column('revoked_at', when, nullable=True),
        sa.Column('revoked_by', sa.String(length=64), nullable=True),
        sa.Column('revoke_reason', sa.String(length=200), nullable=True),
        sa.Column('message_id', sa.String(length=64), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', when, nullable=True),
        sa.Column('verified_at', when, nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_self_service_links_case_id_cases')),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'],
                                name=op.f('fk_self_service_links_party_id_parties')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                name=op.f('fk_self_service_links_created_by_users')),
        sa.ForeignKeyConstraint(['revoked_by'], ['users.id'],
                                name=op.f('fk_self_service_links_revoked_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_self_service_links')))
    op.create_index(op.f('ix_self_service_links_case_id'), 'self_service_links', ['case_id'],
                    unique=False)
    op.create_table(
        'self_service_codes',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('link_id', sa.String(length=64), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('sent_at', when, nullable=False),
        sa.Column('expires_at', when, nullable=False),
        sa.Column('used_at', when, nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['self_service_links.id'],
                                name=op.f('fk_self_service_codes_link_id_self_service_links')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_self_service_codes')))
    op.create_index(op.f('ix_self_service_codes_link_id'), 'self_service_codes', ['link_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_self_service_codes_link_id'), table_name='self_service_codes')
    op.drop_table('self_service_codes')
    op.drop_index(op.f('ix_self_service_links_case_id'), table_name='self_service_links')
    op.drop_table('self_service_links')
