"""baseline schema: every table, squashed from the first ten revisions (nothing was deployed)

Revision ID: d03ef044a714
Revises: 
Create Date: 2026-12-01 20:03:30.799518

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd03ef044a714'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agencies',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code'))
    )
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    op.create_index(op.f('ix_apscheduler_jobs_next_run_time'), 'apscheduler_jobs', ['next_run_time'], unique=False)
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=48), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    op.create_index(op.f('ix_audit_events_action'), 'audit_events', ['action'], unique=False)
    op.create_index(op.f('ix_audit_events_actor_id'), 'audit_events', ['actor_id'], unique=False)
    op.create_index(op.f('ix_audit_events_occurred_at'), 'audit_events', ['occurred_at'], unique=False)
    op.create_table('consent_texts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_texts')),
    sa.UniqueConstraint('code', 'version', 'language', name=op.f('uq_consent_texts_code_version_language'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    op.create_index('ix_job_runs_name_started', 'job_runs', ['name', 'started_at'], unique=False)
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('sync_changes',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.Column('table_name', sa.String(length=48), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_changes'))
    )
    op.create_index('ix_sync_changes_table_row', 'sync_changes', ['table_name', 'row_id'], unique=False)
    op.create_index('ix_sync_changes_txid', 'sync_changes', ['txid'], unique=False)
    op.create_table('sync_cursors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('xip', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('page_rank', sa.Integer(), nullable=True),
    sa.Column('page_after_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_cursors'))
    )
    op.create_table('sync_fact_effects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_fact_effects'))
    )
    op.create_table('parties',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('lender_id', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('national_id', sa.String(length=32), nullable=True),
    sa.Column('gender', sa.String(length=8), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('vulnerable', sa.Boolean(), nullable=False),
    sa.Column('vulnerability_note', sa.String(length=500), nullable=True),
    sa.Column('attorney_represented', sa.Boolean(), nullable=False),
    sa.Column('hold_until', sa.Date(), nullable=True),
    sa.Column('hold_reason', sa.String(length=200), nullable=True),
    sa.Column('preferred_windows', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'], name=op.f('fk_parties_lender_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties')),
    sa.UniqueConstraint('lender_id', 'external_id', name=op.f('uq_parties_lender_id_external_id'))
    )
    op.create_index(op.f('ix_parties_lender_id'), 'parties', ['lender_id'], unique=False)
    op.create_table('teams',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('territory', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('office_lat', sa.Double(), nullable=True),
    sa.Column('office_lng', sa.Double(), nullable=True),
    sa.Column('office_label', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_teams_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('code', name=op.f('uq_teams_code'))
    )
    op.create_index(op.f('ix_teams_agency_id'), 'teams', ['agency_id'], unique=False)
    op.create_table('addresses',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('raw_text', sa.String(length=500), nullable=False),
    sa.Column('province', sa.String(length=64), nullable=True),
    sa.Column('city', sa.String(length=64), nullable=True),
    sa.Column('district', sa.String(length=64), nullable=True),
    sa.Column('street', sa.String(length=300), nullable=True),
    sa.Column('adcode', sa.String(length=12), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lng', sa.Double(), nullable=True),
    sa.Column('precision', sa.String(length=16), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('verification_state', sa.String(length=24), nullable=False),
    sa.Column('geocoder', sa.String(length=32), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('proposed_lat', sa.Double(), nullable=True),
    sa.Column('proposed_lng', sa.Double(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verification_note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_addresses_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addresses'))
    )
    op.create_index(op.f('ix_addresses_party_id'), 'addresses', ['party_id'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('lender_id', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('debtor_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=False),
    sa.Column('dispute_open', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['parties.id'], name=op.f('fk_cases_debtor_id_parties')),
    sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'], name=op.f('fk_cases_lender_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('lender_id', 'external_id', name=op.f('uq_cases_lender_id_external_id'))
    )
    op.create_index(op.f('ix_cases_debtor_id'), 'cases', ['debtor_id'], unique=False)
    op.create_index(op.f('ix_cases_lender_id'), 'cases', ['lender_id'], unique=False)
    op.create_index(op.f('ix_cases_status'), 'cases', ['status'], unique=False)
    op.create_table('contact_points',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_contact_points_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_points'))
    )
    op.create_index(op.f('ix_contact_points_party_id'), 'contact_points', ['party_id'], unique=False)
    op.create_table('party_relationships',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('debtor_id', sa.String(length=64), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=False),
    sa.Column('relationship', sa.String(length=32), nullable=False),
    sa.Column('debt_related', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['parties.id'], name=op.f('fk_party_relationships_debtor_id_parties')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_party_relationships_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_relationships')),
    sa.UniqueConstraint('debtor_id', 'party_id', name=op.f('uq_party_relationships_debtor_id_party_id'))
    )
    op.create_index(op.f('ix_party_relationships_debtor_id'), 'party_relationships', ['debtor_id'], unique=False)
    op.create_index(op.f('ix_party_relationships_party_id'), 'party_relationships', ['party_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('national_id', sa.String(length=32), nullable=True),
    sa.Column('certification_no', sa.String(length=64), nullable=True),
    sa.Column('certification_expires_on', sa.Date(), nullable=True),
    sa.Column('training_completed_on', sa.Date(), nullable=True),
    sa.Column('base_lat', sa.Double(), nullable=True),
    sa.Column('base_lng', sa.Double(), nullable=True),
    sa.Column('base_label', sa.String(length=200), nullable=True),
    sa.Column('shift_start_min', sa.Integer(), nullable=False),
    sa.Column('shift_end_min', sa.Integer(), nullable=False),
    sa.Column('daily_capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_users_agency_id_agencies')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_agency_id'), 'users', ['agency_id'], unique=False)
    op.create_index(op.f('ix_users_role'), 'users', ['role'], unique=False)
    op.create_index(op.f('ix_users_team_id'), 'users', ['team_id'], unique=False)
    op.create_table('accounts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('lender_id', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('outstanding', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('overdue_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('due_since', sa.Date(), nullable=True),
    sa.Column('dpd', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=8), nullable=False),
    sa.Column('last_payment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_accounts_case_id_cases')),
    sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'], name=op.f('fk_accounts_lender_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('lender_id', 'external_id', name=op.f('uq_accounts_lender_id_external_id'))
    )
    op.create_index(op.f('ix_accounts_bucket'), 'accounts', ['bucket'], unique=False)
    op.create_index(op.f('ix_accounts_case_id'), 'accounts', ['case_id'], unique=False)
    op.create_index(op.f('ix_accounts_lender_id'), 'accounts', ['lender_id'], unique=False)
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_blobs_uploaded_by_users')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs'))
    )
    op.create_table('devices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('schema_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)
    op.create_table('import_runs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('lender_id', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('dry_run', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('report', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rows_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_expected', sa.Integer(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lender_id'], ['agencies.id'], name=op.f('fk_import_runs_lender_id_agencies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_runs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_index(op.f('ix_import_runs_file_sha256'), 'import_runs', ['file_sha256'], unique=False)
    op.create_table('opt_outs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=False),
    sa.Column('contact_point_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_points.id'], name=op.f('fk_opt_outs_contact_point_id_contact_points')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_opt_outs_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_outs'))
    )
    op.create_index(op.f('ix_opt_outs_party_id'), 'opt_outs', ['party_id'], unique=False)
    op.create_table('outbox_messages',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbox_messages_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    op.create_index('ix_outbox_messages_status_due', 'outbox_messages', ['status', 'due_at'], unique=False)
    op.create_table('placements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_placements_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_placements_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    op.create_index(op.f('ix_placements_agency_id'), 'placements', ['agency_id'], unique=False)
    op.create_index(op.f('ix_placements_case_id'), 'placements', ['case_id'], unique=False)
    op.create_table('quarantine',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('table_name', sa.String(length=48), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=True),
    sa.Column('operation', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_quarantine_resolved_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quarantine_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine'))
    )
    op.create_index('ix_quarantine_status_received', 'quarantine', ['status', 'received_at'], unique=False)
    op.create_index('ix_quarantine_table_row', 'quarantine', ['table_name', 'row_id'], unique=False)
    op.create_index(op.f('ix_quarantine_user_id'), 'quarantine', ['user_id'], unique=False)
    op.create_table('route_plans',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('partner_id', sa.String(length=64), nullable=True),
    sa.Column('start_lat', sa.Double(), nullable=True),
    sa.Column('start_lng', sa.Double(), nullable=True),
    sa.Column('end_lat', sa.Double(), nullable=True),
    sa.Column('end_lng', sa.Double(), nullable=True),
    sa.Column('depart_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_distance_m', sa.Integer(), nullable=False),
    sa.Column('total_duration_s', sa.Integer(), nullable=False),
    sa.Column('dropped', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('solver', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_route_plans_agent_id_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_route_plans_created_by_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_route_plans_partner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_plans')),
    sa.UniqueConstraint('agent_id', 'plan_date', name=op.f('uq_route_plans_agent_id_plan_date'))
    )
    op.create_index(op.f('ix_route_plans_agent_id'), 'route_plans', ['agent_id'], unique=False)
    op.create_table('rule_profiles',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=True),
    sa.Column('agency_id', sa.String(length=64), nullable=True),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_rule_profiles_agency_id_agencies')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_rule_profiles_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_rule_profiles_code'))
    )
    op.create_table('sync_push_receipts',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_push_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_sync_push_receipts'))
    )
    op.create_table('visits',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('address_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('talking_points', sa.Text(), nullable=True),
    sa.Column('offer', sa.Text(), nullable=True),
    sa.Column('required_collectors', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('service_minutes', sa.Integer(), nullable=False),
    sa.Column('outcome_code', sa.String(length=32), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['address_id'], ['addresses.id'], name=op.f('fk_visits_address_id_addresses')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visits_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_visits_created_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_visits_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    op.create_index(op.f('ix_visits_address_id'), 'visits', ['address_id'], unique=False)
    op.create_index(op.f('ix_visits_case_id'), 'visits', ['case_id'], unique=False)
    op.create_index('ix_visits_date_status', 'visits', ['scheduled_on', 'status'], unique=False)
    op.create_index(op.f('ix_visits_team_id'), 'visits', ['team_id'], unique=False)
    op.create_table('address_reports',
    sa.Column('address_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lng', sa.Double(), nullable=True),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['address_id'], ['addresses.id'], name=op.f('fk_address_reports_address_id_addresses')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_address_reports_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_address_reports_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_reports'))
    )
    op.create_index(op.f('ix_address_reports_address_id'), 'address_reports', ['address_id'], unique=False)
    op.create_index(op.f('ix_address_reports_user_id'), 'address_reports', ['user_id'], unique=False)
    op.create_table('attachments',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attachments_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_attachments_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    op.create_index(op.f('ix_attachments_sha256'), 'attachments', ['sha256'], unique=False)
    op.create_index(op.f('ix_attachments_user_id'), 'attachments', ['user_id'], unique=False)
    op.create_index(op.f('ix_attachments_visit_id'), 'attachments', ['visit_id'], unique=False)
    op.create_table('auth_tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_auth_tokens_device_id_devices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    op.create_index(op.f('ix_auth_tokens_device_id'), 'auth_tokens', ['device_id'], unique=False)
    op.create_index(op.f('ix_auth_tokens_user_id'), 'auth_tokens', ['user_id'], unique=False)
    op.create_table('check_ins',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('lng', sa.Double(), nullable=False),
    sa.Column('accuracy_m', sa.Double(), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_check_ins_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_check_ins_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins'))
    )
    op.create_index(op.f('ix_check_ins_user_id'), 'check_ins', ['user_id'], unique=False)
    op.create_index(op.f('ix_check_ins_visit_id'), 'check_ins', ['visit_id'], unique=False)
    op.create_table('consents',
    sa.Column('party_id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('consent_text_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('method', sa.String(length=24), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lng', sa.Double(), nullable=True),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraws', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['consent_text_id'], ['consent_texts.id'], name=op.f('fk_consents_consent_text_id_consent_texts')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_consents_party_id_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_consents_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    op.create_index(op.f('ix_consents_case_id'), 'consents', ['case_id'], unique=False)
    op.create_index(op.f('ix_consents_party_id'), 'consents', ['party_id'], unique=False)
    op.create_index(op.f('ix_consents_user_id'), 'consents', ['user_id'], unique=False)
    op.create_table('contact_attempts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=True),
    sa.Column('contact_point_id', sa.String(length=64), nullable=True),
    sa.Column('account_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('connected', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('source_table', sa.String(length=48), nullable=True),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_contact_attempts_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contact_attempts_case_id_cases')),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_points.id'], name=op.f('fk_contact_attempts_contact_point_id_contact_points')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_contact_attempts_party_id_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_attempts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts')),
    sa.UniqueConstraint('source_table', 'source_id', name=op.f('uq_contact_attempts_source_table_source_id'))
    )
    op.create_index('ix_contact_attempts_case_at', 'contact_attempts', ['case_id', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_contact_attempts_party_id'), 'contact_attempts', ['party_id'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_follow_ups_assigned_to_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_follow_ups_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_follow_ups_created_by_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_follow_ups_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_follow_ups_dedupe_key'))
    )
    op.create_index(op.f('ix_follow_ups_case_id'), 'follow_ups', ['case_id'], unique=False)
    op.create_index('ix_follow_ups_status_due', 'follow_ups', ['status', 'due_at'], unique=False)
    op.create_table('import_uploads',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('lender_code', sa.String(length=32), nullable=True),
    sa.Column('file_format', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_uploads_run_id_import_runs')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_import_uploads'))
    )
    op.create_table('payment_promises',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by', sa.String(length=64), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payment_promises_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_payment_promises_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_promises_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_payment_promises_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_promises'))
    )
    op.create_index(op.f('ix_payment_promises_account_id'), 'payment_promises', ['account_id'], unique=False)
    op.create_index(op.f('ix_payment_promises_case_id'), 'payment_promises', ['case_id'], unique=False)
    op.create_index('ix_payment_promises_status_due', 'payment_promises', ['status', 'due_on'], unique=False)
    op.create_index(op.f('ix_payment_promises_user_id'), 'payment_promises', ['user_id'], unique=False)
    op.create_table('payments',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.Column('reissue_of', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_payments_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_payments_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payments_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_payments_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('receipt_no', name=op.f('uq_payments_receipt_no'))
    )
    op.create_index(op.f('ix_payments_account_id'), 'payments', ['account_id'], unique=False)
    op.create_index(op.f('ix_payments_case_id'), 'payments', ['case_id'], unique=False)
    op.create_index(op.f('ix_payments_user_id'), 'payments', ['user_id'], unique=False)
    op.create_table('route_stops',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('eta', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leg_distance_m', sa.Integer(), nullable=False),
    sa.Column('leg_duration_s', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_route_stops_agent_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_stops_plan_id_route_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_route_stops_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_stops')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_route_stops_plan_id_position'))
    )
    op.create_index(op.f('ix_route_stops_agent_id'), 'route_stops', ['agent_id'], unique=False)
    op.create_index(op.f('ix_route_stops_visit_id'), 'route_stops', ['visit_id'], unique=False)
    op.create_table('rule_profile_versions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('profile_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_rule_profile_versions_changed_by_users')),
    sa.ForeignKeyConstraint(['profile_id'], ['rule_profiles.id'], name=op.f('fk_rule_profile_versions_profile_id_rule_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_profile_versions')),
    sa.UniqueConstraint('profile_id', 'version', name=op.f('uq_rule_profile_versions_profile_id_version'))
    )
    op.create_index(op.f('ix_rule_profile_versions_profile_id'), 'rule_profile_versions', ['profile_id'], unique=False)
    op.create_table('violations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('fact_table', sa.String(length=48), nullable=True),
    sa.Column('fact_id', sa.String(length=64), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.String(length=500), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_violations_case_id_cases')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_violations_reviewed_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_violations_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_violations_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violations')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_violations_dedupe_key'))
    )
    op.create_index(op.f('ix_violations_case_id'), 'violations', ['case_id'], unique=False)
    op.create_index(op.f('ix_violations_rule'), 'violations', ['rule'], unique=False)
    op.create_table('visit_assignees',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.String(length=64), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], name=op.f('fk_visit_assignees_assigned_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_assignees_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_assignees_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_assignees')),
    sa.UniqueConstraint('visit_id', 'user_id', name=op.f('uq_visit_assignees_visit_id_user_id'))
    )
    op.create_index(op.f('ix_visit_assignees_user_id'), 'visit_assignees', ['user_id'], unique=False)
    op.create_index(op.f('ix_visit_assignees_visit_id'), 'visit_assignees', ['visit_id'], unique=False)
    op.create_table('visit_notes',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_notes_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_notes_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_notes'))
    )
    op.create_index(op.f('ix_visit_notes_user_id'), 'visit_notes', ['user_id'], unique=False)
    op.create_index(op.f('ix_visit_notes_visit_id'), 'visit_notes', ['visit_id'], unique=False)
    op.create_table('visit_outcomes',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('party_met_id', sa.String(length=64), nullable=True),
    sa.Column('discussed_debt', sa.Boolean(), nullable=False),
    sa.Column('recording_made', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['party_met_id'], ['parties.id'], name=op.f('fk_visit_outcomes_party_met_id_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_outcomes_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_outcomes_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_outcomes'))
    )
    op.create_index(op.f('ix_visit_outcomes_user_id'), 'visit_outcomes', ['user_id'], unique=False)
    op.create_index(op.f('ix_visit_outcomes_visit_id'), 'visit_outcomes', ['visit_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_visit_outcomes_visit_id'), table_name='visit_outcomes')
    op.drop_index(op.f('ix_visit_outcomes_user_id'), table_name='visit_outcomes')
    op.drop_table('visit_outcomes')
    op.drop_index(op.f('ix_visit_notes_visit_id'), table_name='visit_notes')
    op.drop_index(op.f('ix_visit_notes_user_id'), table_name='visit_notes')
    op.drop_table('visit_notes')
    op.drop_index(op.f('ix_visit_assignees_visit_id'), table_name='visit_assignees')
    op.drop_index(op.f('ix_visit_assignees_user_id'), table_name='visit_assignees')
    op.drop_table('visit_assignees')
    op.drop_index(op.f('ix_violations_rule'), table_name='violations')
    op.drop_index(op.f('ix_violations_case_id'), table_name='violations')
    op.drop_table('violations')
    op.drop_index(op.f('ix_rule_profile_versions_profile_id'), table_name='rule_profile_versions')
    op.drop_table('rule_profile_versions')
    op.drop_index(op.f('ix_route_stops_visit_id'), table_name='route_stops')
    op.drop_index(op.f('ix_route_stops_agent_id'), table_name='route_stops')
    op.drop_table('route_stops')
    op.drop_index(op.f('ix_payments_user_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_case_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_account_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_payment_promises_user_id'), table_name='payment_promises')
    op.drop_index('ix_payment_promises_status_due', table_name='payment_promises')
    op.drop_index(op.f('ix_payment_promises_case_id'), table_name='payment_promises')
    op.drop_index(op.f('ix_payment_promises_account_id'), table_name='payment_promises')
    op.drop_table('payment_promises')
    op.drop_table('import_uploads')
    op.drop_index('ix_follow_ups_status_due', table_name='follow_ups')
    op.drop_index(op.f('ix_follow_ups_case_id'), table_name='follow_ups')
    op.drop_table('follow_ups')
    op.drop_index(op.f('ix_contact_attempts_party_id'), table_name='contact_attempts')
    op.drop_index('ix_contact_attempts_case_at', table_name='contact_attempts')
    op.drop_table('contact_attempts')
    op.drop_index(op.f('ix_consents_user_id'), table_name='consents')
    op.drop_index(op.f('ix_consents_party_id'), table_name='consents')
    op.drop_index(op.f('ix_consents_case_id'), table_name='consents')
    op.drop_table('consents')
    op.drop_index(op.f('ix_check_ins_visit_id'), table_name='check_ins')
    op.drop_index(op.f('ix_check_ins_user_id'), table_name='check_ins')
    op.drop_table('check_ins')
    op.drop_index(op.f('ix_auth_tokens_user_id'), table_name='auth_tokens')
    op.drop_index(op.f('ix_auth_tokens_device_id'), table_name='auth_tokens')
    op.drop_table('auth_tokens')
    op.drop_index(op.f('ix_attachments_visit_id'), table_name='attachments')
    op.drop_index(op.f('ix_attachments_user_id'), table_name='attachments')
    op.drop_index(op.f('ix_attachments_sha256'), table_name='attachments')
    op.drop_table('attachments')
    op.drop_index(op.f('ix_address_reports_user_id'), table_name='address_reports')
    op.drop_index(op.f('ix_address_reports_address_id'), table_name='address_reports')
    op.drop_table('address_reports')
    op.drop_index(op.f('ix_visits_team_id'), table_name='visits')
    op.drop_index('ix_visits_date_status', table_name='visits')
    op.drop_index(op.f('ix_visits_case_id'), table_name='visits')
    op.drop_index(op.f('ix_visits_address_id'), table_name='visits')
    op.drop_table('visits')
    op.drop_table('sync_push_receipts')
    op.drop_table('rule_profiles')
    op.drop_index(op.f('ix_route_plans_agent_id'), table_name='route_plans')
    op.drop_table('route_plans')
    op.drop_index(op.f('ix_quarantine_user_id'), table_name='quarantine')
    op.drop_index('ix_quarantine_table_row', table_name='quarantine')
    op.drop_index('ix_quarantine_status_received', table_name='quarantine')
    op.drop_table('quarantine')
    op.drop_index(op.f('ix_placements_case_id'), table_name='placements')
    op.drop_index(op.f('ix_placements_agency_id'), table_name='placements')
    op.drop_table('placements')
    op.drop_index('ix_outbox_messages_status_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_index(op.f('ix_opt_outs_party_id'), table_name='opt_outs')
    op.drop_table('opt_outs')
    op.drop_index(op.f('ix_import_runs_file_sha256'), table_name='import_runs')
    op.drop_table('import_runs')
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_table('devices')
    op.drop_table('blobs')
    op.drop_index(op.f('ix_accounts_lender_id'), table_name='accounts')
    op.drop_index(op.f('ix_accounts_case_id'), table_name='accounts')
    op.drop_index(op.f('ix_accounts_bucket'), table_name='accounts')
    op.drop_table('accounts')
    op.drop_index(op.f('ix_users_team_id'), table_name='users')
    op.drop_index(op.f('ix_users_role'), table_name='users')
    op.drop_index(op.f('ix_users_agency_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_party_relationships_party_id'), table_name='party_relationships')
    op.drop_index(op.f('ix_party_relationships_debtor_id'), table_name='party_relationships')
    op.drop_table('party_relationships')
    op.drop_index(op.f('ix_contact_points_party_id'), table_name='contact_points')
    op.drop_table('contact_points')
    op.drop_index(op.f('ix_cases_status'), table_name='cases')
    op.drop_index(op.f('ix_cases_lender_id'), table_name='cases')
    op.drop_index(op.f('ix_cases_debtor_id'), table_name='cases')
    op.drop_table('cases')
    op.drop_index(op.f('ix_addresses_party_id'), table_name='addresses')
    op.drop_table('addresses')
    op.drop_index(op.f('ix_teams_agency_id'), table_name='teams')
    op.drop_table('teams')
    op.drop_index(op.f('ix_parties_lender_id'), table_name='parties')
    op.drop_table('parties')
    op.drop_table('sync_fact_effects')
    op.drop_table('sync_cursors')
    op.drop_index('ix_sync_changes_txid', table_name='sync_changes')
    op.drop_index('ix_sync_changes_table_row', table_name='sync_changes')
    op.drop_table('sync_changes')
    op.drop_table('scheduler_leases')
    op.drop_index('ix_job_runs_name_started', table_name='job_runs')
    op.drop_table('job_runs')
    op.drop_table('consent_texts')
    op.drop_index(op.f('ix_audit_events_occurred_at'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_actor_id'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_action'), table_name='audit_events')
    op.drop_table('audit_events')
    op.drop_index(op.f('ix_apscheduler_jobs_next_run_time'), table_name='apscheduler_jobs')
    op.drop_table('apscheduler_jobs')
    op.drop_table('agencies')
