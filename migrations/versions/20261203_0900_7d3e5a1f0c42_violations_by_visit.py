"""Violations by visit (issue #20): the after-the-fact checks close a visit's open findings
that later facts disprove; without an index that lookup read every violation of the rule.

Revision ID: 7d3e5a1f0c42
Revises: c011ec7024a1
Create Date: 2026-12-03 09:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d3e5a1f0c42'
down_revision = 'c011ec7024a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_violations_visit_id', 'violations', ['visit_id'])


def downgrade():
    op.drop_index('ix_violations_visit_id', table_name='violations')
