"""dispatch: address verification note (why geocoding failed, who verified by hand)

Revision ID: d47ae1f18fb2
Revises: f5a751fb27ae
Create Date: 2026-11-29 05:07:28.002424

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd47ae1f18fb2'
down_revision = 'f5a751fb27ae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_note', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_column('verification_note')
