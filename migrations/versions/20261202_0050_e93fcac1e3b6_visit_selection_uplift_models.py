"""visit selection: collection history store, uplift model registry, hold-out arms, daily scores

Revision ID: e93fcac1e3b6
Revises: 7a3c1e9f2b16
Create Date: 2026-12-02 00:50:30.142637

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e93fcac1e3b6'
down_revision = '7a3c1e9f2b16'
branch_labels = None
depends_on = None

def upgrade():

    op.create_table('selection_history',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('lender_id', sa.String(length=64), nullable=False),
    sa.Column('case_ref', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('balance', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('dpd', sa.Integer(), nullable=True),
    sa.Column('address_verified', sa.Boolean(), nullable=True),
    sa.Column('distance_km', sa.Double(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_key', sa.String(length=160), nullable=False),
    sa.Column('import_run_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'], name=op.f('fk_selection_history_lender_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_history')),
    sa.UniqueConstraint('source', 'source_key', name=op.f('uq_selection_history_source_source_key'))
    )
    with op.batch_alter_table('selection_history', schema=None) as batch_op:
        batch_op.create_index('ix_selection_history_case', ['lender_id', 'case_ref', 'occurred_at'], unique=False)
        batch_op.create_index('ix_selection_history_kind_at', ['kind', 'occurred_at'], unique=False)

    op.create_table('selection_arms',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('arm', sa.String(length=8), nullable=False),
    sa.Column('share', sa.Double(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_selection_arms_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_selection_arms'))
    )
    op.create_table('selection_models',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('visit_cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('examples', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reference', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('artifact', sa.LargeBinary(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_selection_models_approved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_models')),
    sa.UniqueConstraint('version', name=op.f('uq_selection_models_version'))
    )
    op.create_table('selection_scores',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('scored_on', sa.Date(), nullable=False),
    sa.Column('model_id', sa.String(length=64), nullable=True),
    sa.Column('arm', sa.String(length=8), nullable=False),
    sa.Column('excluded', sa.String(length=64), nullable=True),
    sa.Column('p_visit', sa.Double(), nullable=True),
    sa.Column('p_no_visit', sa.Double(), nullable=True),
    sa.Column('uplift', sa.Double(), nullable=True),
    sa.Column('expected_amount', sa.Double(), nullable=True),
    sa.Column('expected_value', sa.Double(), nullable=True),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('override', sa.String(length=8), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('override_by', sa.String(length=64), nullable=True),
    sa.Column('override_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_selection_scores_case_id_cases')),
    sa.ForeignKeyConstraint(['model_id'], ['selection_models.id'], name=op.f('fk_selection_scores_model_id_selection_models')),
    sa.ForeignKeyConstraint(['override_by'], ['users.id'], name=op.f('fk_selection_scores_override_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_selection_scores_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_scores')),
    sa.UniqueConstraint('case_id', 'scored_on', name=op.f('uq_selection_scores_case_id_scored_on'))
    )
    with op.batch_alter_table('selection_scores', schema=None) as batch_op:
        batch_op.create_index('ix_selection_scores_team_day', ['team_id', 'scored_on'], unique=False)

def downgrade():

    with op.batch_alter_table('selection_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_selection_scores_team_day')

    op.drop_table('selection_scores')
    op.drop_table('selection_models')
    op.drop_table('selection_arms')
    with op.batch_alter_table('selection_history', schema=None) as batch_op:
        batch_op.drop_index('ix_selection_history_kind_at')
        batch_op.drop_index('ix_selection_history_case')

    op.drop_table('selection_history')

