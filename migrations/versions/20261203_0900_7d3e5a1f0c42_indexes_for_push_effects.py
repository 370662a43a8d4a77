"""Indexes for what follows a push (issue #20): violations by visit (the after-the-fact checks
close a visit's open findings that later facts disprove; without it that lookup read every
violation of the rule), and a visit's facts by device time and its check-ins by collector, so
its earliest check-in, latest outcome, first recording and distinct collectors are one index
probe each, whatever the visit already holds.

Revision ID: 7d3e5a1f0c42
Revises: 4c8e2f6b1d37
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d3e5a1f0c42'
down_revision = '4c8e2f6b1d37'
branch_labels = None
depends_on = None


INDEXES = (
    ('ix_violations_visit_id', 'violations', ['visit_id']),
    ('ix_check_ins_visit_time', 'check_ins', ['visit_id', 'recorded_at', 'id']),
    ('ix_check_ins_visit_collector', 'check_ins',
     ['visit_id', 'kind', sa.literal_column('coalesce(user_id, id)')]),
    ('ix_visit_outcomes_visit_time', 'visit_outcomes', ['visit_id', 'recorded_at', 'id']),
    ('ix_attachments_visit_time', 'attachments', ['visit_id', 'recorded_at', 'id']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
