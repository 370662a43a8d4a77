// The app's local schema: Doorstep's synced tables as docs/sync.md section 3 lists them
// (schema version 2: case_requests and call_logs came with it; 3: selection_scores, offer_requests and
// payment_offers). Types on the wire:
// s = string (text, "YYYY-MM-DD" dates, decimal money, JSON as a string), n = number (integers, floats, epoch-ms datetimes), b = boolean.
// Every column is optional (nullable): WatermelonDB would otherwise turn null into ''/0/false;
// except created_at/updated_at, which WatermelonDB requires to be non-optional numbers.
import { appSchema, tableSchema } from '@nozbe/watermelondb'

export const SCHEMA_VERSION = 3
// The tables each schema version added (the app's migrations create them).
export const NEW_TABLES = { 2: ['case_requests', 'call_logs'], 3: ['selection_scores', 'offer_requests', 'payment_offers'] }

const FACT = 'received_at:n clock_offset_ms:n device_id:s user_id:s'

export const TABLES = {
  rule_profiles: 'code:s scope:s jurisdiction:s agency_id:s params:s version:n updated_by:s updated_at:n',
  consent_texts: 'code:s version:n language:s kind:s body:s effective_from:s',
  parties: 'lender_id:s external_id:s full_name:s national_id:s gender:s birth_date:s language:s ' +
    'vulnerable:b vulnerability_note:s attorney_represented:b hold_until:s hold_reason:s ' +
    'preferred_windows:s created_at:n updated_at:n',
  party_relationships: 'debtor_id:s party_id:s relationship:s debt_related:b',
  addresses: 'party_id:s kind:s raw_text:s province:s city:s district:s street:s adcode:s lat:n lng:n ' +
    'precision:s accuracy_m:n verification_state:s geocoder:s time_zone:s proposed_lat:n ' +
    'proposed_lng:n verified_at:n verification_note:s created_at:n updated_at:n',
  contact_points: 'party_id:s channel:s value:s label:s valid:b created_at:n updated_at:n',
  opt_outs: 'party_id:s contact_point_id:s channel:s reason:s recorded_at:n lifted_at:n',
  cases: 'lender_id:s external_id:s debtor_id:s status:s priority:n jurisdiction:s dispute_open:b ' +
    'opened_at:n closed_at:n last_activity_at:n purged_at:n created_at:n updated_at:n',
  accounts: 'lender_id:s external_id:s case_id:s product:s currency:s principal:s outstanding:s ' +
    'overdue_amount:s due_since:s dpd:n bucket:s last_payment_at:n created_at:n updated_at:n',
  visits: 'case_id:s address_id:s team_id:s status:s scheduled_on:s window_start:n window_end:n ' +
    'mandatory:b purpose:s talking_points:s offer:s required_collectors:n priority:n ' +
    'service_minutes:n outcome_code:s cancel_reason:s created_by:s completed_at:n version:n ' +
    'created_at:n updated_at:n',
  route_plans: 'collector_id:s plan_date:s status:s created_at:n created_by:s partner_id:s start_lat:n ' +
    'start_lng:n end_lat:n end_lng:n depart_at:n return_at:n total_distance_m:n ' +
    'total_duration_s:n dropped:s solver:s',
  route_stops: 'plan_id:s visit_id:s collector_id:s position:n eta:n service_start:n service_end:n ' +
    'window_start:n window_end:n leg_distance_m:n leg_duration_s:n',
  check_ins: `visit_id:s kind:s lat:n lng:n accuracy_m:n recorded_at:n ${FACT}`,
  visit_outcomes: 'visit_id:s code:s party_met_id:s discussed_debt:b recording_made:b note:s ' +
    `recorded_at:n ${FACT}`,
  visit_notes: `visit_id:s body:s recorded_at:n ${FACT}`,
  payment_promises: 'case_id:s account_id:s visit_id:s amount:s currency:s due_on:s status:s ' +
    `status_changed_at:n superseded_by:s paid_amount:s recorded_at:n ${FACT}`,
  payments: 'case_id:s account_id:s visit_id:s amount:s currency:s method:s receipt_no:s paid_at:n ' +
    `voided_at:n void_reason:s reissue_of:s recorded_at:n ${FACT}`,
  consents: 'party_id:s case_id:s visit_id:s consent_text_id:s kind:s method:s granted_at:n lat:n ' +
    `lng:n scope:s withdrawn_at:n withdraws:s recorded_at:n ${FACT}`,
  address_reports: 'address_id:s visit_id:s kind:s lat:n lng:n accuracy_m:n note:s recorded_at:n ' +
    FACT,
  attachments: `visit_id:s sha256:s kind:s content_type:s recorded_at:n ${FACT}`,
  case_requests: 'case_id:s visit_id:s kind:s via:s channel:s contact_point_id:s opt_out_id:s ' +
    'address_id:s ' +
    `until:s reason:s category:s windows:s value:s note:s event_id:s recorded_at:n ${FACT}`,
  call_logs: 'case_id:s visit_id:s contact_point_id:s connected:b outcome:s duration_s:n note:s ' +
    `recorded_at:n ${FACT}`,
  selection_scores: 'case_id:s scored_on:s arm:s excluded:s uplift:n expected_value:n reasons:s ' +
    'selected:b override:s',
  offer_requests: 'case_id:s visit_id:s account_id:s kind:s amount:s schedule:s note:s offer_id:s ' +
    `recorded_at:n ${FACT}`,
  payment_offers: 'case_id:s account_id:s visit_id:s lender_id:s kind:s currency:s balance:s ' +
    'amount:s discount:s schedule:s note:s status:s proposed_by:s proposed_at:n decided_by:s ' +
    'decided_at:n decision_note:s promise_ids:s',
}

const TYPES = { s: 'string', n: 'number', b: 'boolean' }

export const columnsOf = (spec) =>
  spec.split(/\s+/).filter(Boolean).map((item) => {
    const [name, t] = item.split(':')
    const special = name === 'created_at' || name === 'updated_at'
    return { name, type: TYPES[t], isOptional: !special }
  })

export const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: Object.entries(TABLES).map(([name, spec]) => tableSchema({ name, columns: columnsOf(spec) })),
})
