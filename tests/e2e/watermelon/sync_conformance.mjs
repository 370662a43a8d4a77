#!/usr/bin/env node
// WatermelonDB's own synchronize() against a live Doorstep server, headless in Node.
//
// One long-lived process holds one device database (LokiJS, in memory) through all phases; a
// harness drives it with JSON lines on stdin and reads JSON lines on stdout:
//   -> {"cmd": "sync"}                        <- {"reply": "sync", "ok": true, ...}
//   -> {"cmd": "conflict", "contact_point_id": "…"}
//        <- {"hook": "before_push"}   (the harness changes that row on the server)
//   -> {"cmd": "continue"}                    <- {"reply": "conflict", ...}
// Commands: sync, create_facts, conflict, lost_response, noop_update, create_row, local,
// diagnose, summary, quit.
// Environment: DOORSTEP_URL, DOORSTEP_TOKEN, DOORSTEP_DEVICE_ID.
// Everything WatermelonDB logs goes to stderr and is counted in the summary.
import 'fake-indexeddb/auto' // so `useIncrementalIndexedDB: true` runs the real IDB adapter code
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import readline from 'node:readline'
import { schema, TABLES, SCHEMA_VERSION, NEW_TABLES, columnsOf } from './schema.mjs'

// --- logging: stdout is the protocol channel, so every console.* goes to stderr -----------------
const logged = { error: [], warn: [] }
for (const level of ['log', 'info', 'debug', 'warn', 'error']) {
  console[level] = (...args) => {
    const text = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')
    if (level === 'error' || level === 'warn') logged[level].push(text)
    process.stderr.write(`[${level}] ${text}\n`)
  }
}

const require = createRequire(import.meta.url)
const { Database, Model } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize, hasUnsyncedChanges } = require('@nozbe/watermelondb/sync')
const { schemaMigrations, createTable } = require('@nozbe/watermelondb/Schema/migrations')
const { diagnoseSyncConsistency } = require('@nozbe/watermelondb/diagnostics')

const BASE = (process.env.DOORSTEP_URL || '').replace(/\/$/, '')
const TOKEN = process.env.DOORSTEP_TOKEN
const DEVICE = process.env.DOORSTEP_DEVICE_ID
if (!BASE || !TOKEN || !DEVICE) {
  process.stderr.write('set DOORSTEP_URL, DOORSTEP_TOKEN and DOORSTEP_DEVICE_ID\n')
  process.exit(2)
}

// --- the database: plain Model subclasses, raw columns (no decorators, no Babel) ---------------
const modelClasses = Object.keys(TABLES).map((table) => {
  const cls = class extends Model {}
  Object.defineProperty(cls, 'table', { value: table })
  Object.defineProperty(cls, 'name', { value: `M_${table}` })
  return cls
})
const adapter = new LokiJSAdapter({
  schema,
  // What a shipped app carries to move an older local database up (docs/sync.md section 3)
  migrations: schemaMigrations({ migrations: Object.entries(NEW_TABLES).map(([version, tables]) => ({
    toVersion: Number(version),
    steps: tables.map((name) => createTable({ name, columns: columnsOf(TABLES[name]) })),
  })) }),
  dbName: `doorstep-${DEVICE}`,
  useWebWorker: false,
  useIncrementalIndexedDB: true,
  extraLokiOptions: { autosave: false },
  onSetUpError: (error) => { throw error },
})
const database = new Database({ adapter, modelClasses })

// --- the network -------------------------------------------------------------------------------
const auth = { Authorization: `Bearer ${TOKEN}`, 'X-Device-Id': DEVICE }
class HttpError extends Error {
  constructor(what, status, body) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`)
    this.status = status
    this.body = body
  }
}
const stats = { pulls: 0, pushes: 0, pushStatuses: [], rejected: {}, createdInIncrementalPull: 0 }
const harness = { beforePush: null, loseNextPushAnswer: false }

async function pullChanges({ lastPulledAt, schemaVersion, migration }) {
  const q = `last_pulled_at=${lastPulledAt ?? ''}&schema_version=${schemaVersion}` +
    `&migration=${encodeURIComponent(JSON.stringify(migration ?? null))}`
  const r = await fetch(`${BASE}/api/v1/sync/pull?${q}`, { headers: auth })
  const body = await r.json()
  if (!r.ok) throw new HttpError('pull', r.status, body)
  stats.pulls += 1
  if (lastPulledAt) {
    for (const part of Object.values(body.changes)) stats.createdInIncrementalPull += part.created.length
  }
  return { changes: body.changes, timestamp: body.timestamp }
}

async function pushChanges({ changes, lastPulledAt }) {
  if (harness.beforePush) {
    const hook = harness.beforePush
    harness.beforePush = null
    await hook()
  }
  const r = await fetch(`${BASE}/api/v1/sync/push?last_pulled_at=${lastPulledAt}`, {
    method: 'POST',
    body: JSON.stringify({ changes, lastPulledAt }),
    headers: { ...auth, 'Content-Type': 'application/json', 'X-Device-Time': String(Date.now()) },
  })
  const body = await r.json()
  stats.pushes += 1
  stats.pushStatuses.push(r.status)
  if (harness.loseNextPushAnswer) {
    harness.loseNextPushAnswer = false // the server did the work; the phone never hears of it
    throw new Error('network error: the answer to this push was lost')
  }
  if (!r.ok) throw new HttpError('push', r.status, body) // 409: synchronize() again
  for (const [table, ids] of Object.entries(body.experimentalRejectedIds || {})) {
    stats.rejected[table] = (stats.rejected[table] || []).concat(ids)
  }
  return { experimentalRejectedIds: body.experimentalRejectedIds }
}

const sync = () => synchronize({
  database,
  pullChanges,
  pushChanges,
  sendCreatedAsUpdated: true,
  migrationsEnabledAtVersion: SCHEMA_VERSION,
})

// --- local helpers -----------------------------------------------------------------------------
const all = (table) => database.get(table).query().fetch()
const find = async (table, id) => (await all(table)).find((r) => r.id === id)
const raws = async (table) => (await all(table)).map((r) => r._raw)
const counts = async () => Object.fromEntries(await Promise.all(
  Object.keys(TABLES).map(async (t) => [t, (await all(t)).length])))

async function createFacts({ visit_id: visitId, tag = 'wm' }) {
  const visit = await find('visits', visitId)
  if (!visit) throw new Error(`visit ${visitId} is not on the device`)
  const caseId = visit._raw.case_id
  const theCase = await find('cases', caseId)
  const account = (await raws('accounts')).filter((a) => a.case_id === caseId).sort((a, b) => (a.id < b.id ? -1 : 1))[0]
  const text = (await raws('consent_texts'))[0]
  const phone = (await raws('contact_points')).filter((p) => p.party_id === theCase._raw.debtor_id).sort((a, b) => (a.id < b.id ? -1 : 1))[0]
  const now = Date.now()
  const photo = Buffer.from(`photo ${visitId} ${tag} ${now}`)
  const sha = createHash('sha256').update(photo).digest('hex')
  const up = await fetch(`${BASE}/api/v1/attachments/${sha}?visit_id=${encodeURIComponent(visitId)}`, {
    method: 'PUT', body: photo, headers: { ...auth, 'Content-Type': 'image/jpeg' },
  })
  if (up.status !== 201 && up.status !== 200) throw new HttpError('upload', up.status, await up.text())
  const rows = {
    check_ins: { visit_id: visitId, kind: 'in', lat: 31.2304, lng: 121.4737, accuracy_m: 7.5 },
    visit_outcomes: { visit_id: visitId, code: 'PROMISED', discussed_debt: true, recording_made: true, note: tag },
    visit_notes: { visit_id: visitId, body: `note ${tag}: 债务人答应月中还款` },
    payment_promises: { case_id: caseId, account_id: account.id, visit_id: visitId, amount: '500.00', currency: 'CNY', due_on: new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10) },
    payments: { case_id: caseId, account_id: account.id, visit_id: visitId, amount: '120.50', currency: 'CNY', method: 'cash', receipt_no: `R-${tag}-${now}`, paid_at: now },
    consents: { party_id: theCase._raw.debtor_id, case_id: caseId, visit_id: visitId, consent_text_id: text.id, kind: text.kind, method: 'verbal_recorded', granted_at: now },
    address_reports: { address_id: visit._raw.address_id, visit_id: visitId, kind: 'coordinates', lat: 31.2311, lng: 121.4744, accuracy_m: 5, note: tag },
    attachments: { visit_id: visitId, sha256: sha, kind: 'photo', content_type: 'image/jpeg' },
    case_requests: { case_id: caseId, visit_id: visitId, kind: 'hardship', via: 'door', note: `lost job (${tag})` },
    call_logs: { case_id: caseId, visit_id: visitId, contact_point_id: phone.id, connected: false, outcome: 'NO_ANSWER', duration_s: 0 },
    offer_requests: { case_id: caseId, visit_id: visitId, account_id: account.id, kind: 'settlement', amount: '100.00', note: tag, schedule: JSON.stringify([{ due_on: new Date(Date.now() + 2 * 864e5).toISOString().slice(0, 10), amount: '100.00' }]) },
  }
  const ids = {}
  await database.write(async () => {
    const prepared = Object.entries(rows).map(([table, values]) =>
      database.get(table).prepareCreate((record) => {
        for (const [column, value] of Object.entries({ ...values, recorded_at: now })) record._setRaw(column, value)
      }))
    await database.batch(prepared)
    prepared.forEach((record) => { ids[record.table] = record.id })
  })
  return ids
}

async function trySync() {
  try {
    await sync()
    return { ok: true }
  } catch (error) {
    return { ok: false, status: error.status ?? null, message: error.message, body: error.body ?? null }
  }
}

// --- the phases --------------------------------------------------------------------------------
const phases = {}
let waitForHarness = null

const commands = {
  async sync() {
    const result = await trySync()
    return { ...result, counts: await counts(), unsynced: await hasUnsyncedChanges({ database }) }
  },
  async create_facts(args) {
    return { ok: true, ids: await createFacts(args) }
  },
  // (c) the server changes a row after our pull; we update it too; 409; pull, merge, push again
  async conflict({ contact_point_id: id, valid = false }) {
    const point = await find('contact_points', id)
    await database.write(() => point.update((r) => r._setRaw('valid', valid)))
    harness.beforePush = async () => {
      emit({ hook: 'before_push', table: 'contact_points', id })
      await new Promise((resolve) => { waitForHarness = resolve })
    }
    const first = await trySync()
    const second = await trySync()
    const raw = (await find('contact_points', id))._raw
    return { ok: second.ok, first, second, local: { ...raw } }
  },
  // (e) the server stores the push, the answer is lost; the app syncs again
  async lost_response({ visit_id: visitId }) {
    const ids = await createFacts({ visit_id: visitId, tag: 'lost' })
    harness.loseNextPushAnswer = true
    const first = await trySync()
    const second = await trySync()
    return { ok: second.ok, first, second, ids, unsynced: await hasUnsyncedChanges({ database }) }
  },
  // (g) a local update that changes no value (the app still stamps updated_at), then sync
  async noop_update({ table, id }) {
    const record = await find(table, id)
    await database.write(() => record.update((r) => r._setRaw('updated_at', Date.now())))
    const result = await trySync()
    return { ...result, local: { ...(await find(table, id))._raw } }
  },
  // (i) one row of any table, as the app would create it (e.g. a value the server refuses)
  async create_row({ table, values }) {
    let id
    await database.write(async () => {
      const record = await database.get(table).create((r) => {
        for (const [column, value] of Object.entries({ recorded_at: Date.now(), ...values })) r._setRaw(column, value)
      })
      id = record.id
    })
    return { ok: true, id }
  },
  async local({ table }) {
    return { ok: true, rows: await raws(table) }
  },
  // (f) WatermelonDB's own check: local database == a fresh full pull
  async diagnose() {
    const { issueCount, log } = await diagnoseSyncConsistency({
      db: database,
      synchronize: sync,
      pullChanges: async (args) => (await pullChanges(args)).changes,
    })
    return { ok: issueCount === 0, issueCount, log }
  },
  async summary() {
    return { ok: true, phases, stats, logged, counts: await counts(), schema: TABLES }
  },
}

function emit(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

const input = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
input.on('line', (line) => {
  if (!line.trim()) return
  const message = JSON.parse(line)
  if (message.cmd === 'continue') { // answers a hook while a command is running
    const resolve = waitForHarness
    waitForHarness = null
    resolve && resolve(message)
    return
  }
  if (message.cmd === 'quit') {
    queue.then(() => process.exit(0))
    return
  }
  queue = queue.then(async () => {
    const { cmd, ...args } = message
    try {
      if (!commands[cmd]) throw new Error(`unknown command ${cmd}`)
      const errorsBefore = logged.error.length
      const result = await commands[cmd](args)
      result.errorsLogged = logged.error.slice(errorsBefore)
      phases[args.phase || cmd] = { ok: result.ok, errorsLogged: result.errorsLogged.length }
      emit({ reply: cmd, ...result })
    } catch (error) {
      emit({ reply: cmd, ok: false, crashed: true, message: error.stack || String(error) })
    }
  })
})
input.on('close', () => queue.then(() => process.exit(0)))
