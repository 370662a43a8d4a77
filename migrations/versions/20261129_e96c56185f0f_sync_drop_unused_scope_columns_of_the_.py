"""sync: drop unused scope columns of the change feed

The pull works out who cares about a change from the agent's scope, so these columns were
never filled; their indexes only slowed every write to the feed.

Revision ID: e96c56185f0f
Revises: d47ae1f18fb2
Create Date: 2026-11-29 05:31:12.124207

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e96c56185f0f'
down_revision = 'd47ae1f18fb2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_changes_agent_seq'))
        batch_op.drop_index(batch_op.f('ix_sync_changes_case_seq'))
        batch_op.drop_column('agent_id')
        batch_op.drop_column('case_id')



def downgrade():
    with op.batch_alter_table('sync_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column('agent_id', sa.VARCHAR(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_sync_changes_case_seq'), ['case_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_changes_agent_seq'), ['agent_id', 'seq'], unique=False)

