#!/usr/bin/env node
// Compliance-archive benchmark: how fast the archive ingests events through its real path (Kafka,
// consume, hash, insert, commit), and how long retrieving one complaint's dossier takes from an
// archive of 1,000,000 events (goal: p95 under 100 ms). Figures are printed, never asserted.
// See tools/bench/README.md.
//
//   node tools/bench/archive-bench.mjs                  # 1,000,000 events, 20,000 ingested, 500 retrievals
//   node tools/bench/archive-bench.mjs --quick          # 50,000 events, 5,000 ingested, 200 retrievals
//   node tools/bench/archive-bench.mjs --fresh          # drop the bench schema and seed it again
//   node tools/bench/archive-bench.mjs --events 200000 --ingest 10000 --requests 300
//
// Works in its own schema (bench_archive, or --schema) of the dev database, never in the demo's.
// Starts its own compliance-archive process on that schema, with its own topic prefix and port,
// and stops it at the end, on failure and on Ctrl-C. Needs PostgreSQL and a Kafka broker
// (`node tools/kafka/kafka.mjs start`).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { issueDevToken } from '../auth/dev-issuer.mjs';
import { ROOT, serviceEnv, spawnService, terminate, waitReady } from '../stack/platform.mjs';

const GOAL_P95_MS = 100;
const GOAL_LINE = 'goal: dossier retrieval p95 < 100 ms from an archive of 1,000,000 events';
const OUT_FILE = path.join(ROOT, '.data', 'bench', 'archive-bench.json');
const LOG_DIR = path.join(ROOT, '.data', 'bench', 'logs');
const SEED_BATCH = 2000;
const ACTIVE_COMPLAINTS = 256; // complaints open at once while seeding: their entries interleave in the chain
const SEED_SPAN_DAYS = 730; // the seeded archive covers two years

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { quick: false, fresh: false, events: null, ingest: null, requests: null, concurrency: 8, schema: 'bench_archive', verify: null };
  const value = (arg, i) => (arg.includes('=') ? [arg.slice(arg.indexOf('=') + 1), i] : [argv[i + 1], i + 1]);
  const whole = (name, raw, min = 0) => {
    const n = Number(String(raw).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) usage(`${name} needs a whole number${min ? ` from ${min}` : ''}, got ${raw}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.split('=')[0];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--fresh') opts.fresh = true;
    else if (arg === '--verify') opts.verify = true;
    else if (arg === '--no-verify') opts.verify = false;
    else if (['--events', '--ingest', '--requests', '--concurrency', '--schema'].includes(name)) {
      let raw;
      [raw, i] = value(arg, i);
      if (raw === undefined) usage(`${name} needs a value`);
      if (name === '--schema') {
        if (!/^[a-z_][a-z0-9_]{0,40}$/.test(raw) || ['compliance_archive', 'public'].includes(raw)) usage(`--schema must be a plain lower-case identifier other than the demo's, got ${raw}`);
        opts.schema = raw;
      } else opts[name.slice(2)] = whole(name, raw, name === '--ingest' ? 0 : 1);
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  opts.events ??= opts.quick ? 50_000 : 1_000_000;
  opts.ingest ??= opts.quick ? 5_000 : 20_000;
  opts.requests ??= opts.quick ? 200 : 500;
  return opts;
}

function usage(problem) {
  if (problem) console.error(`archive-bench: ${problem}`);
  console.error(
    'usage: node tools/bench/archive-bench.mjs [--quick] [--fresh] [--events N] [--ingest K] [--requests M]\n' +
      '                                          [--concurrency C] [--schema NAME] [--verify | --no-verify]',
  );
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// The hash chain, exactly as apps/compliance-archive/src/archive/hash-chain.ts computes it

const GENESIS_HASH = '0'.repeat(64);
function canonicalJson(value) {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}
const chainHash = (prevHash, canonical) => createHash('sha256').update(prevHash).update('\n').update(canonical, 'utf8').digest('hex');
const dossierHashOf = (entryHashes) => createHash('sha256').update(entryHashes.join('\n')).digest('hex');

// ---------------------------------------------------------------------------------------------
// Realistic complaints, as the six services describe them (libs/contracts/src/events.ts)

const TOPICS = {
  intake: 'complaints.intake.v1',
  triage: 'complaints.triage.v1',
  investigation: 'complaints.investigation.v1',
  compensation: 'complaints.compensation.v1',
  notification: 'complaints.notification.v1',
  archive: 'complaints.archive.v1',
  staffActions: 'complaints.staff-actions.v1',
};
const TOPIC_OF = {
  'complaint.received': TOPICS.intake,
  'complaint.supplemented': TOPICS.intake,
  'complaint.triaged': TOPICS.triage,
  'complaint.triage-queued': TOPICS.triage,
  'deadline.warning': TOPICS.triage,
  'deadline.clock-changed': TOPICS.triage,
  'case.opened': TOPICS.investigation,
  'case.resolved': TOPICS.investigation,
  'remedy.proposed': TOPICS.compensation,
  'notification.sent': TOPICS.notification,
  'dossier.sealed': TOPICS.archive,
  'staff.action-recorded': TOPICS.staffActions,
};

const rand = (n) => Math.floor(Math.random() * n);
const pickOne = (list) => list[rand(list.length)];
const chance = (p) => Math.random() < p;
const digits = (n) => Array.from({ length: n }, () => rand(10)).join('');
const hex = (n) => Array.from({ length: n }, () => rand(16).toString(16)).join('');

const CHANNELS = ['branch', 'hotline', 'mobile-app', 'web', 'wechat', 'email', 'chatbot'];
const REPLY = ['sms', 'email', 'app', 'wechat', 'letter', 'phone'];
const PRODUCTS = [
  { hint: '信用卡', code: 'B01', title: '银行卡', cause: { code: 'C05', title: '收费定价' }, department: 'cards' },
  { hint: '跨行转账', code: 'B04', title: '支付结算', cause: { code: 'C02', title: '金融机构服务设施、设备、业务系统' }, department: 'technology' },
  { hint: '个人住房贷款', code: 'B02', title: '贷款', cause: { code: 'C04', title: '债务催收' }, department: 'retail-lending' },
  { hint: '理财产品', code: 'B06', title: '理财', cause: { code: 'C03', title: '营销宣传' }, department: 'wealth' },
  { hint: '手机银行', code: 'B04', title: '支付结算', cause: { code: 'C02', title: '金融机构服务设施、设备、业务系统' }, department: 'technology' },
  { hint: '借记卡', code: 'B01', title: '银行卡', cause: { code: 'C01', title: '服务态度及服务质量' }, department: 'branch-service' },
];
const ISSUES = [
  (p, a) => `我于上月发现${p}被扣收了一笔${a}元的费用，此前从未收到任何短信或邮件通知，也没有在合同中看到相关条款。`,
  (p, a) => `我通过${p}办理业务时，系统提示交易失败，但账户中的${a}元已经被扣除，至今没有退回。`,
  (p, a) => `贵行客服人员向我推荐${p}，承诺免收年费，但本月账单中出现了${a}元年费，与当初的说法完全不符。`,
  (p, a) => `我的${p}多次出现重复扣款，累计金额约${a}元，我已多次致电客服，但每次都只是登记，没有任何处理结果。`,
];
const FOLLOW_UPS = [
  '我曾在网点柜台反映过这一问题，工作人员表示需要等待总行核实，但已经过去两周仍没有回音。',
  '客服热线等待时间过长，转接三次后电话被挂断，整个过程让我非常不满。',
  '我认为贵行在收费前没有履行告知义务，侵犯了我作为金融消费者的知情权和自主选择权。',
  '请尽快核实情况，退还不合理收取的费用，并通过短信告知处理结果。',
];
const EXPLANATIONS = [
  '经核查，该笔转账因清算系统批处理异常滞留，已于今日完成入账。',
  '经核查，该笔年费系系统按原费率收取，与营销承诺不符，予以全额退还。',
  '经核查，扣款符合合同约定及收费公示，已向客户说明收费依据。',
  '经核查，客户反映的重复扣款属实，差额部分已原路退回并补偿利息。',
];
const OUTCOMES = ['upheld', 'partially-upheld', 'not-upheld'];
const REMEDIES = ['fee-waiver', 'fee-refund', 'delay-interest', 'loss-reimbursement', 'goodwill'];
const DAY = 86_400_000;
const iso = (ms) => new Date(ms).toISOString();

/**
 * The events one complaint goes through, in order, as step functions of the time they happen:
 * received, acknowledged, (queued for a triage officer and decided,) triaged, case opened, staff
 * notes, (supplemented,) (deadline warning,) resolved, remedy, clock stopped, final response,
 * (record viewed). The seal after the final response is the archive's own (see below).
 * About 11 events on average, 12 with the seal.
 */
function complaintPlan() {
  const complaintId = randomUUID();
  const product = pickOne(PRODUCTS);
  const amount = (rand(5000) + 50) * 100;
  const language = chance(0.9) ? 'zh-CN' : 'en';
  const ticketNumber = `CMP-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${digits(8)}-${rand(10)}`;
  const caseId = randomUUID();
  const outcome = pickOne(OUTCOMES);
  const remedy = outcome === 'not-upheld' ? null : { type: pickOne(REMEDIES), amount: { amountMinor: rand(50_000) + 500, currency: 'CNY' } };
  const officer = `triage-officer-${String(rand(60)).padStart(4, '0')}`;
  const investigator = `investigator-${String(rand(200)).padStart(4, '0')}`;
  const replyChannel = pickOne(REPLY);
  const severity = pickOne(['low', 'medium', 'medium', 'high']);
  const queued = chance(0.3);
  let summary = ISSUES[rand(ISSUES.length)](product.hint, amount / 100);
  while (summary.length < 120) summary += pickOne(FOLLOW_UPS);
  let responseDueBy;
  const reasons = [
    `product ${product.code} ${product.title} (model cn-jrt0169.product@v1+fd627ac02aa7, confidence 0.${70 + rand(29)}): term "${product.hint.slice(0, 2)}" +0.${50 + rand(49)}; term "${product.hint.slice(-1)}" +0.${10 + rand(80)}`,
    `cause ${product.cause.code} ${product.cause.title} (model cn-jrt0169.category@v1+fd627ac02aa7, confidence 0.${30 + rand(69)}): term "费" +0.35; term "扣" +0.22`,
    `severity ${severity}: money at stake ${(amount / 100).toFixed(2)} CNY`,
    `routed to ${product.department} by cn-jrt0169@v1#${product.department}`,
  ];
  const staff = (actor, roles, action, service, method, route, detail) => ({
    type: 'staff.action-recorded',
    producer: service,
    ownFlow: true,
    payload: { action, actor, detail, method, outcome: 'succeeded', roles, route, service },
  });
  const steps = [
    (at) => {
      responseDueBy = iso(at + 15 * DAY);
      return {
        type: 'complaint.received',
        producer: 'intake',
        payload: {
          amountInDispute: { amountMinor: amount, currency: 'CNY' },
          attachmentCount: rand(3),
          channel: pickOne(CHANNELS),
          channelReference: chance(0.5) ? `APP-${digits(7)}` : null,
          customerRef: `cust_${hex(24)}`,
          language,
          preferredReplyChannel: replyChannel,
          productHint: product.hint,
          receivedAt: iso(at),
          regime: 'cn-cbirc',
          regulatorReferral: null,
          representedBy: null,
          responseDueBy,
          summary,
          ticketNumber,
          vulnerability: null,
          vulnerable: chance(0.05),
        },
      };
    },
    () => ({ type: 'notification.sent', producer: 'notification', payload: { channel: replyChannel, kind: 'acknowledgement', language, messageId: randomUUID(), template: 'acknowledgement.v1' } }),
  ];
  if (queued) {
    steps.push(() => ({
      type: 'complaint.triage-queued',
      producer: 'triage',
      payload: {
        confidence: Math.random() * 0.4,
        minConfidence: 0.45,
        reasons: [...reasons, 'confidence below 0.45: queued for a triage officer'],
        responseDueBy,
        suggestedCause: product.cause,
        suggestedProduct: { code: product.code, title: product.title },
        taxonomy: 'cn-jrt0169',
        ticketNumber,
      },
    }));
    steps.push(() =>
      staff(officer, ['triage-officer'], 'triage.decided', 'triage', 'POST', '/v1/triage/complaints/:complaintId/retriage', {
        cause: product.cause.code,
        department: product.department,
        product: product.code,
        reason: 'the triage officer confirms the suggestion',
        severity,
      }),
    );
  }
  steps.push(() => ({
    type: 'complaint.triaged',
    producer: 'triage',
    payload: {
      category: product.cause.code,
      cause: product.cause,
      channelCode: 'A010303',
      confidence: Math.round((queued ? Math.random() * 0.4 : 0.45 + Math.random() * 0.55) * 1e8) / 1e8,
      department: product.department,
      product: { code: product.code, title: product.title },
      reasons,
      regime: 'cn-cbirc',
      repeatOf: null,
      responseDueBy,
      routingRule: `cn-jrt0169@v1#${product.department}`,
      severity,
      systemicIncidentId: null,
      taxonomy: 'cn-jrt0169',
      ticketNumber,
      triagedBy: queued ? 'triage-officer' : 'model',
    },
  }));
  steps.push(() => ({ type: 'case.opened', producer: 'investigation', payload: { caseId, department: product.department, responseDueBy, severity, ticketNumber } }));
  for (let i = rand(3); i > 0; i--) {
    steps.push(() => staff(investigator, ['investigator'], 'case.note-added', 'investigation', 'POST', '/v1/cases/:caseId/notes', { caseId }));
  }
  if (chance(0.2)) steps.push(() => ({ type: 'complaint.supplemented', producer: 'intake', payload: { attachmentCount: 1 + rand(3), summary: pickOne(FOLLOW_UPS), ticketNumber } }));
  if (chance(0.15)) {
    steps.push(() => ({ type: 'deadline.warning', producer: 'triage', payload: { elapsedFraction: 0.8 + Math.random() * 0.1, period: 'standard', responseDueBy, threshold: 0.8, ticketNumber } }));
  }
  steps.push(() => ({
    type: 'case.resolved',
    producer: 'investigation',
    payload: { caseId, decidedBy: investigator, explanation: pickOne(EXPLANATIONS), outcome, remedy, ticketNumber },
  }));
  steps.push(() => staff(investigator, ['investigator'], 'case.resolution-recorded', 'investigation', 'POST', '/v1/cases/:caseId/resolution', { caseId, outcome }));
  if (remedy) steps.push(() => ({ type: 'remedy.proposed', producer: 'compensation', payload: { amount: remedy.amount, caseId, remedyId: randomUUID(), type: remedy.type } }));
  steps.push(() => ({
    type: 'deadline.clock-changed',
    producer: 'triage',
    payload: { actor: null, change: 'stopped', period: 'standard', reason: `case decided: ${outcome}`, responseDueBy: null, ticketNumber },
  }));
  steps.push(() => ({ type: 'notification.sent', producer: 'notification', payload: { channel: replyChannel, kind: 'final-response', language, messageId: randomUUID(), template: 'final-response.v1' } }));
  if (chance(0.1)) {
    steps.push(() =>
      staff('compliance-officer-0042', ['compliance-officer'], 'archive.record-viewed', 'compliance-archive', 'GET', '/v1/archive/complaints/:complaintId', { purpose: 'quality-review' }),
    );
  }
  return { complaintId, ticketNumber, steps, next: 0, correlationId: randomUUID(), lastEventId: null, entryHashes: [] };
}

/** The envelope of a complaint's next step, at time `at`. */
function nextEnvelope(plan, at) {
  const step = plan.steps[plan.next++](at);
  const envelope = {
    causationId: step.ownFlow ? null : plan.lastEventId,
    complaintId: plan.complaintId,
    correlationId: step.ownFlow ? randomUUID() : plan.correlationId,
    eventId: randomUUID(),
    occurredAt: iso(at),
    payload: step.payload,
    producer: step.producer,
    type: step.type,
    version: 1,
  };
  if (!step.ownFlow) plan.lastEventId = envelope.eventId;
  return envelope;
}

/**
 * Complaints in flight at once, each event from a random one of them, so a complaint's entries lie
 * scattered through the chain as they do in production. `onEnvelope` gets each event in order.
 */
class ComplaintMix {
  constructor(active) {
    this.plans = Array.from({ length: active }, () => complaintPlan());
  }
  next(at) {
    const i = rand(this.plans.length);
    const plan = this.plans[i];
    const envelope = nextEnvelope(plan, at);
    if (plan.next >= plan.steps.length) this.plans[i] = complaintPlan();
    return { plan, envelope };
  }
}

// ---------------------------------------------------------------------------------------------
// Database

const DATABASE_URL = process.env.ARCHIVE_BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/complaints';
const ident = (name) => `"${name.replace(/"/g, '""')}"`;

async function schemaState(db, schema) {
  const { rows } = await db.query(`SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`, [schema]);
  if (!rows.length) return null;
  try {
    return JSON.parse(rows[0].comment ?? '{}');
  } catch {
    return {};
  }
}

async function head(db, schema) {
  const { rows } = await db.query(`SELECT seq::text AS seq, entry_hash FROM ${ident(schema)}.chain_head`);
  return { seq: Number(rows[0].seq), entryHash: rows[0].entry_hash };
}

/**
 * Seeds events straight into archive_entries and chain_head as the database owner, each batch
 * one statement that locks the head, appends the batch and moves the head, so an interruption
 * leaves a valid chain and a running archive can never fork it (its own appends take the same lock).
 */
async function seed(db, schema, topicPrefix, count, onProgress) {
  const s = ident(schema);
  const start = await head(db, schema);
  let prevHash = start.entryHash;
  let seq = start.seq;
  const target = start.seq + count;
  const mix = new ComplaintMix(ACTIVE_COMPLAINTS);
  const spanStart = Date.now() - SEED_SPAN_DAYS * DAY;
  const stepMs = (SEED_SPAN_DAYS * DAY) / Math.max(target, 1);
  const offsets = new Map();
  const sealsDue = []; // complaint plans whose final response was just appended
  const began = Date.now();
  let pending = null;
  let types = {};
  const statement = `
    WITH h AS (SELECT seq FROM ${s}.chain_head WHERE seq = $15 FOR UPDATE),
    ins AS (
      INSERT INTO ${s}.archive_entries (seq, event_id, complaint_id, event_type, event_version, producer, occurred_at,
                                        source_topic, source_partition, source_offset, canonical, prev_hash, entry_hash, archived_at)
      SELECT u.* FROM h, unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::timestamptz[],
                               $8::text[], $9::int[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::timestamptz[]) AS u
      RETURNING 1),
    moved AS (UPDATE ${s}.chain_head SET seq = $16, entry_hash = $17 WHERE seq = $15 AND EXISTS (SELECT 1 FROM h) RETURNING 1)
    SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM moved)::int AS moved`;
  while (seq < target) {
    const cols = Array.from({ length: 14 }, () => []);
    const batchPrev = seq;
    while (cols[0].length < SEED_BATCH && seq < target) {
      const at = Math.round(spanStart + seq * stepMs);
      let plan;
      let envelope;
      if (sealsDue.length) {
        // The archive seals a complaint's record right after its final response: entries so far, one hash.
        plan = sealsDue.shift();
        envelope = {
          causationId: plan.lastEventId,
          complaintId: plan.complaintId,
          correlationId: plan.correlationId,
          eventId: randomUUID(),
          occurredAt: iso(at),
          payload: { dossierHash: dossierHashOf(plan.entryHashes), dossierId: randomUUID(), entries: plan.entryHashes.length, lastEntrySeq: plan.finalSeq, ticketNumber: plan.ticketNumber },
          producer: 'compliance-archive',
          type: 'dossier.sealed',
          version: 1,
        };
      } else ({ plan, envelope } = mix.next(at));
      seq += 1;
      const canonical = canonicalJson(envelope);
      const entryHash = chainHash(prevHash, canonical);
      plan.entryHashes.push(entryHash);
      if (envelope.type === 'notification.sent' && envelope.payload.kind === 'final-response') {
        plan.finalSeq = seq;
        sealsDue.push(plan);
      }
      const topic = `${topicPrefix}${TOPIC_OF[envelope.type]}`;
      const partition = parseInt(envelope.complaintId.slice(0, 8), 16) % 6;
      const key = `${topic}/${partition}`;
      const offset = offsets.get(key) ?? 0;
      offsets.set(key, offset + 1);
      types[envelope.type] = (types[envelope.type] ?? 0) + 1;
      const row = [String(seq), envelope.eventId, envelope.complaintId, envelope.type, 1, envelope.producer, envelope.occurredAt, topic, partition, String(offset), canonical, prevHash, entryHash, iso(at + 40 + rand(200))];
      for (let c = 0; c < 14; c++) cols[c].push(row[c]);
      prevHash = entryHash;
    }
    // The batch before this one was being written while this one was built.
    if (pending) await pending;
    const expected = cols[0].length;
    pending = db.query(statement, [...cols, String(batchPrev), String(seq), prevHash]).then(({ rows }) => {
      if (rows[0].inserted !== expected || rows[0].moved !== 1) {
        throw new Error(`the chain head moved while seeding (expected seq ${batchPrev}); is something else appending to ${schema}?`);
      }
      onProgress?.(seq - start.seq, count, (Date.now() - began) / 1000);
    });
    pending.catch(() => {}); // awaited above or below
  }
  if (pending) await pending;
  const seconds = (Date.now() - began) / 1000;
  return { events: seq - start.seq, seconds, eventsPerSecond: (seq - start.seq) / seconds, types };
}

/** Every entry hashes to its entry_hash, links to the one before and follows it in seq; the last one is the head. */
async function verifyChainLocally(db, schema) {
  const started = performance.now();
  const s = ident(schema);
  const { rows: [recorded] } = await db.query(`SELECT seq::text AS seq, entry_hash FROM ${s}.chain_head`);
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  const fail = (seq, problem) => ({ local: true, chainIntact: false, entries, brokenAtSeq: seq, problem, ms: performance.now() - started });
  for (;;) {
    const { rows } = await db.query(
      `SELECT seq::text AS seq, canonical, prev_hash, entry_hash FROM ${s}.archive_entries WHERE seq >= $1 AND seq <= $2 ORDER BY archive_entries.seq LIMIT 20000`,
      [String(expectedSeq), recorded.seq],
    );
    for (const row of rows) {
      entries += 1;
      if (Number(row.seq) !== expectedSeq) return fail(row.seq, `sequence number is not ${expectedSeq}`);
      if (row.prev_hash !== expectedPrev) return fail(row.seq, 'previous-hash link does not match the entry before it');
      if (chainHash(row.prev_hash, row.canonical) !== row.entry_hash) return fail(row.seq, 'entry content does not match its hash');
      expectedPrev = row.entry_hash;
      expectedSeq += 1;
    }
    if (rows.length < 20000) break;
  }
  const headMatches = expectedSeq - 1 === Number(recorded.seq) && expectedPrev === recorded.entry_hash;
  return { local: true, chainIntact: headMatches, headMatches, entries, ms: performance.now() - started };
}

async function sizes(db, schema) {
  const { rows } = await db.query(
    `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes, c.relkind AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND (c.relname = 'archive_entries' OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $2::regclass))
      ORDER BY c.relkind DESC, c.relname`,
    [schema, `${ident(schema)}.archive_entries`],
  );
  const { rows: total } = await db.query(`SELECT pg_total_relation_size($1::regclass) AS bytes`, [`${ident(schema)}.archive_entries`]);
  return { totalBytes: Number(total[0].bytes), relations: rows.map((r) => ({ name: r.name, kind: r.kind === 'i' ? 'index' : 'table', bytes: Number(r.bytes) })) };
}

/** The archive's own retrieval queries, as the controller runs them, with EXPLAIN ANALYZE. */
async function explainLookups(db, schema, complaintId) {
  const client = await db.connect();
  try {
    await client.query(`SET search_path = ${ident(schema)}`);
    const queries = {
      dossier: [
        `SELECT e.seq::text AS seq, e.canonical, e.prev_hash AS "prevHash", e.entry_hash AS "entryHash",
                CASE WHEN e.seq = 1 THEN $2 ELSE p.entry_hash END AS "precedingHash",
                CASE WHEN n.seq IS NOT NULL THEN n.prev_hash WHEN e.seq = h.seq THEN h.entry_hash END AS "followingHash"
           FROM archive_entries e CROSS JOIN chain_head h
           LEFT JOIN archive_entries p ON p.seq = e.seq - 1
           LEFT JOIN archive_entries n ON n.seq = e.seq + 1
          WHERE e.complaint_id = $1 ORDER BY e.seq`,
        [complaintId, GENESIS_HASH],
      ],
      record: [`SELECT * FROM archive_entries WHERE complaint_id = $1 ORDER BY occurred_at ASC, seq ASC`, [complaintId]],
      ticketNumber: [
        `SELECT (canonical::jsonb -> 'payload' ->> 'ticketNumber') AS ticket FROM archive_entries
          WHERE complaint_id = $1 AND (canonical::jsonb -> 'payload') ? 'ticketNumber' ORDER BY seq LIMIT 1`,
        [complaintId],
      ],
      seal: [`SELECT seq::text AS seq, entry_hash FROM archive_entries WHERE complaint_id = $1 ORDER BY archive_entries.seq`, [complaintId]],
    };
    const out = {};
    for (const [name, [sql, params]] of Object.entries(queries)) {
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      const plan = rows[0]['QUERY PLAN'][0];
      const scans = [];
      const walk = (node) => {
        if (/Scan/.test(node['Node Type'])) {
          scans.push(`${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node.Alias && node.Alias !== node['Relation Name'] ? ` ${node.Alias}` : ''}`);
        }
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(plan.Plan);
      const seqScan = scans.some((s) => s.startsWith('Seq Scan'));
      const usesComplaintIndex = scans.some((s) => s.includes('archive_entries_complaint'));
      out[name] = { scans, usesComplaintIndex, seqScan, executionMs: plan['Execution Time'], planningMs: plan['Planning Time'], rows: plan.Plan['Actual Rows'] };
    }
    return out;
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The archive process

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let service = null; // { child, logFile, port }
async function startArchive(schema, topicPrefix) {
  const port = Number(process.env.ARCHIVE_BENCH_PORT ?? (await freePort()));
  const env = serviceEnv({
    DATABASE_URL,
    DB_SCHEMA: schema,
    TOPIC_PREFIX: topicPrefix,
    PORT: String(port),
    COMPLIANCE_ARCHIVE_PORT: String(port),
    // No signed checkpoints: with a key, the scheduler would first cut a checkpoint for every
    // 1,000 seeded entries (and verify them) while the bench measures. See tools/bench/README.md.
    ARCHIVE_SIGNING_KEY: '',
    ARCHIVE_SIGNING_KEY_ID: '',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  // The archive seals personal text under per-customer keys wrapped by ARCHIVE_SUBJECT_KEYS (when
  // the checkout has that feature). The bench keeps a key of its own per schema rather than the
  // stack's development key, so a reused schema stays readable whatever happens to .data/dev-secrets.json.
  env.ARCHIVE_SUBJECT_KEYS = process.env.ARCHIVE_SUBJECT_KEYS ?? benchSubjectKey(schema);
  const started = CHECKOUT ? spawnFromCheckout(env) : spawnService('compliance-archive', { env, logDir: LOG_DIR });
  service = { ...started, port };
  await waitReady('compliance-archive', { env, child: started.child, timeoutMs: 1_800_000 }).catch((e) => {
    throw new Error(`${e.message}; see ${started.logFile}`);
  });
  return service;
}

/**
 * ARCHIVE_BENCH_CHECKOUT=<dir> runs the archive from another copy of the repository (its own
 * apps/ and libs/ and tsconfig.json, this checkout's node_modules), e.g. the last commit while the
 * working tree is being changed: `git archive HEAD | tar -x -C /tmp/head && ln -s $PWD/node_modules /tmp/head/`.
 */
const CHECKOUT = process.env.ARCHIVE_BENCH_CHECKOUT ? path.resolve(process.env.ARCHIVE_BENCH_CHECKOUT) : null;

function spawnFromCheckout(env) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, 'compliance-archive.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '-r', '@swc-node/register', path.join(CHECKOUT, 'apps', 'compliance-archive', 'src', 'main.ts')],
    { cwd: CHECKOUT, env: { ...env, SWC_NODE_PROJECT: path.join(CHECKOUT, 'tsconfig.json') }, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  return { name: 'compliance-archive', child, logFile };
}

function benchSubjectKey(schema) {
  const file = path.join(ROOT, '.data', 'bench', 'archive-bench-keys.json');
  const keys = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  if (!keys[schema]) {
    keys[schema] = `bench:${randomBytes(32).toString('base64')}`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  return keys[schema];
}

async function stopArchive() {
  const running = service;
  service = null;
  if (running && running.child.exitCode === null) await terminate(running.child.pid, 30_000);
}

// ---------------------------------------------------------------------------------------------
// Measuring

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarise(label, latencies, seconds, extra = {}) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    label,
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
    ...extra,
  };
}

async function waitStableHead(db, schema, quietMs = 2000, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last = (await head(db, schema)).seq;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = (await head(db, schema)).seq;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
  }
  throw new Error(`the archive's chain head kept moving for ${timeoutMs / 1000} s`);
}

/**
 * Produces `count` events of new complaints to the archive's topics, keyed by complaint id as
 * the services do, and times until the archive's chain head has moved by all of them plus the
 * seals the archive adds itself after each final response.
 */
async function ingest(db, schema, kafka, topicPrefix, count) {
  const mix = new ComplaintMix(ACTIVE_COMPLAINTS);
  const messages = [];
  let seals = 0;
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const { envelope } = mix.next(now - (count - i) * 10);
    if (envelope.type === 'notification.sent' && envelope.payload.kind === 'final-response') seals += 1;
    messages.push({ topic: `${topicPrefix}${TOPIC_OF[envelope.type]}`, key: envelope.complaintId, value: JSON.stringify(envelope) });
  }
  const before = await waitStableHead(db, schema);
  const expected = count + seals;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const began = Date.now();
  let produced;
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      const byTopic = new Map();
      for (const m of messages.slice(i, i + 2000)) {
        if (!byTopic.has(m.topic)) byTopic.set(m.topic, []);
        byTopic.get(m.topic).push({ key: m.key, value: m.value });
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })) });
    }
    produced = Date.now();
  } finally {
    await producer.disconnect();
  }
  const timeoutMs = Math.max(120_000, count * 20);
  const deadline = Date.now() + timeoutMs;
  let seq = before;
  let lastReport = Date.now();
  const samples = [];
  while (seq < before + expected) {
    if (Date.now() > deadline) throw new Error(`the archive appended ${seq - before} of ${expected} entries in ${timeoutMs / 1000} s`);
    if (service && service.child.exitCode !== null) throw new Error(`the archive process exited; see ${service?.logFile}`);
    await sleep(100);
    seq = (await head(db, schema)).seq;
    samples.push([Date.now() - began, seq - before]);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      process.stdout.write(`  ... ${fmtInt(seq - before)} of ${fmtInt(expected)} appended after ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
    }
  }
  const done = Date.now();
  const seconds = (done - began) / 1000;
  // The steady rate: between 10 % and 90 % of the entries, leaving out start-up and the tail.
  const at = (share) => samples.find(([, n]) => n >= share * expected)?.[0];
  const t10 = at(0.1);
  const t90 = at(0.9);
  const steady = t10 !== undefined && t90 !== undefined && t90 > t10 ? (0.8 * expected) / ((t90 - t10) / 1000) : NaN;
  return {
    produced: count,
    sealsAdded: seals,
    appended: seq - before,
    produceSeconds: (produced - began) / 1000,
    seconds,
    eventsPerSecond: expected / seconds,
    steadyEventsPerSecond: steady,
    headBefore: before,
    headAfter: seq,
  };
}

async function timedGet(url, headers) {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.text();
  return { ms: performance.now() - started, status: res.status, body };
}

/** The archive's own request log from byte `from` on: durationMs of each 200 answer whose path matches. */
async function serverDurations(from, pathPattern) {
  await sleep(500); // the logger writes asynchronously
  const file = service?.logFile;
  if (!file || !fs.existsSync(file)) return [];
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - from));
    fs.readSync(fd, buffer, 0, buffer.length, from);
    const out = [];
    for (const line of buffer.toString('utf8').split('\n')) {
      if (!line.includes('"http request"')) continue;
      try {
        const entry = JSON.parse(line);
        if (pathPattern.test(entry.path ?? '') && entry.status === 200) out.push(entry.durationMs);
      } catch {
        // a line cut at the end of the file
      }
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

const logSize = () => (service?.logFile && fs.existsSync(service.logFile) ? fs.statSync(service.logFile).size : 0);

async function retrievalRun({ label, base, ids, route, headers, concurrency, check, serverPath }) {
  const logFrom = logSize();
  const latencies = [];
  const statuses = {};
  const checks = { intact: 0, sealMatches: 0, sealed: 0, entries: 0 };
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const r = await timedGet(`${base}${route(id)}`, headers);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) {
          latencies.push(r.ms);
          if (check) check(JSON.parse(r.body), checks);
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  // Time spent inside the archive, as its request log says (whole milliseconds): the rest is
  // waiting for a CPU, the network stack and the client.
  const server = serverPath ? (await serverDurations(logFrom, serverPath)).sort((a, b) => a - b) : [];
  const serverMs = server.length ? { requests: server.length, p50: percentile(server, 50), p95: percentile(server, 95), p99: percentile(server, 99) } : null;
  return summarise(label, latencies, seconds, { concurrency, statuses, serverMs, ...(check ? { checks } : {}) });
}

async function sampleComplaints(db, schema, headSeq, wanted) {
  const seqs = new Set();
  while (seqs.size < Math.min(wanted * 3, headSeq)) seqs.add(1 + rand(headSeq));
  const { rows } = await db.query(`SELECT DISTINCT complaint_id FROM ${ident(schema)}.archive_entries WHERE seq = ANY($1::bigint[])`, [[...seqs].map(String)]);
  const ids = rows.map((r) => r.complaint_id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, wanted);
}

// ---------------------------------------------------------------------------------------------
// Printing

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const fmtMB = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `  ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')}`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

// ---------------------------------------------------------------------------------------------

let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const began = Date.now();
  const loadBefore = os.loadavg();
  if (CHECKOUT && !fs.existsSync(path.join(CHECKOUT, 'apps', 'compliance-archive', 'src', 'main.ts'))) usage(`ARCHIVE_BENCH_CHECKOUT=${CHECKOUT} holds no apps/compliance-archive/src/main.ts`);
  console.log(`archive-bench: schema ${opts.schema} in ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, ${os.cpus().length} CPUs, load average ${load()} (1, 5, 15 min)`);
  const result = {
    bench: 'archive-bench',
    startedAt: new Date(began).toISOString(),
    options: opts,
    archiveSource: CHECKOUT ?? ROOT,
    archiveSourceCommit: gitHead(CHECKOUT ?? ROOT),
    machine: { cpus: os.cpus().length, memoryGB: Math.round(os.totalmem() / 1024 ** 3), loadAverageBefore: loadBefore },
  };

  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const kafka = new Kafka({ clientId: 'archive-bench', brokers: kafkaBrokers, logLevel: logLevel.ERROR });

  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\narchive-bench: ${signal}, stopping the archive it started ...`);
    stopArchive()
      .catch(() => {})
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // 1. The schema, and the topic prefix that belongs to it (kept in the schema's comment).
    const s = ident(opts.schema);
    let state = await schemaState(db, opts.schema);
    if (opts.fresh && state) {
      console.log(`archive-bench: --fresh: dropping schema ${opts.schema}`);
      await db.query(`DROP SCHEMA ${s} CASCADE`);
      if (state.topicPrefix) await deleteTopics(kafka, state.topicPrefix);
      state = null;
    }
    if (!state?.topicPrefix) {
      state = { topicPrefix: `bench-archive-${Date.now().toString(36)}.` };
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await db.query(`COMMENT ON SCHEMA ${s} IS ${pgLiteral(JSON.stringify({ ...state, note: 'tools/bench/archive-bench.mjs; drop at will' }))}`);
    }
    const topicPrefix = state.topicPrefix;

    // 2. The archive itself: its migrations make the tables, its consumer takes the bench's topics.
    console.log(`archive-bench: archive from ${CHECKOUT ?? 'this checkout'} (${result.archiveSourceCommit ?? 'commit unknown'})`);
    console.log(`archive-bench: starting compliance-archive on schema ${opts.schema}, topic prefix ${topicPrefix} (log: ${path.relative(ROOT, path.join(LOG_DIR, 'compliance-archive.log'))}) ...`);
    const t0 = Date.now();
    await startArchive(opts.schema, topicPrefix);
    result.archiveStartSeconds = (Date.now() - t0) / 1000;
    console.log(`archive-bench: archive ready on port ${service.port} after ${result.archiveStartSeconds.toFixed(1)} s (migrations included)`);
    const base = `http://127.0.0.1:${service.port}`;

    // 3. Seed up to N events.
    const startHead = await waitStableHead(db, opts.schema, 1000);
    result.archiveAtStart = startHead;
    if (startHead < opts.events) {
      const count = opts.events - startHead;
      console.log(`archive-bench: seeding ${fmtInt(count)} events (the archive holds ${fmtInt(startHead)}) ...`);
      let lastPrint = 0;
      result.seed = await seed(db, opts.schema, topicPrefix, count, (done, total, seconds) => {
        if (Date.now() - lastPrint > 10_000 || done === total) {
          lastPrint = Date.now();
          console.log(`  ... ${fmtInt(done)} of ${fmtInt(total)} in ${seconds.toFixed(0)} s (${fmtInt(done / seconds)} events/s)`);
        }
      });
      console.log(`archive-bench: seeded ${fmtInt(result.seed.events)} events in ${result.seed.seconds.toFixed(1)} s: ${fmtInt(result.seed.eventsPerSecond)} events/s; VACUUM ANALYZE ...`);
      const v0 = Date.now();
      await db.query(`VACUUM ANALYZE ${s}.archive_entries`);
      result.seed.vacuumAnalyzeSeconds = (Date.now() - v0) / 1000;
    } else {
      console.log(`archive-bench: the archive already holds ${fmtInt(startHead)} events (>= ${fmtInt(opts.events)}); reusing them (--fresh to seed again)`);
      await db.query(`ANALYZE ${s}.archive_entries`);
    }
    result.complaints = Number((await db.query(`SELECT count(*) FROM ${s}.archive_entries WHERE event_type = 'complaint.received'`)).rows[0].count);

    const token = await issueDevToken({ roles: 'compliance-officer', subject: 'bench-compliance-officer' });
    const headers = { authorization: `Bearer ${token}`, 'x-retrieval-purpose': 'internal-audit', 'x-retrieval-reference': 'ARCHIVE-BENCH' };

    // 4. Ingest through Kafka.
    if (opts.ingest > 0) {
      console.log(`archive-bench: producing ${fmtInt(opts.ingest)} events of new complaints to ${topicPrefix}complaints.*.v1 and waiting for the archive to append them ...`);
      result.ingest = await ingest(db, opts.schema, kafka, topicPrefix, opts.ingest);
      const i = result.ingest;
      console.log(
        `archive-bench: ${fmtInt(i.appended)} entries (${fmtInt(i.produced)} produced + ${fmtInt(i.sealsAdded)} seals) in ${i.seconds.toFixed(1)} s: ` +
          `${fmtInt(i.eventsPerSecond)} events/s end to end, ${fmtInt(i.steadyEventsPerSecond)}/s steady (produced in ${i.produceSeconds.toFixed(1)} s)`,
      );
    }

    // 5. Retrieval.
    const headNow = (await head(db, opts.schema)).seq;
    result.archiveAtRetrieval = headNow;
    const warmup = Math.min(50, opts.requests);
    const ids = await sampleComplaints(db, opts.schema, Math.min(headNow, Math.max(opts.events, startHead)), warmup + opts.requests * 3);
    if (ids.length < warmup + opts.requests * 3) console.log(`archive-bench: only ${ids.length} distinct complaints to sample; some are retrieved more than once`);
    const take = (() => {
      let i = 0;
      return (n) => Array.from({ length: n }, () => ids[i++ % ids.length]);
    })();
    const dossierRoute = (id) => `/v1/archive/complaints/${id}/dossier`;
    const recordRoute = (id) => `/v1/archive/complaints/${id}`;
    const checkDossier = (d, c) => {
      c.entries += d.integrity.entriesVerified;
      if (d.integrity.chainIntact) c.intact += 1;
      if (d.sealed) c.sealed += 1;
      if (d.dossierHashCovers.matchesSeal) c.sealMatches += 1;
    };

    const [explainId] = take(1);
    result.explain = await explainLookups(db, opts.schema, explainId);

    console.log(`archive-bench: warm-up, ${warmup} dossier retrievals (not reported) ...`);
    await retrievalRun({ label: 'warm-up', base, ids: take(warmup), route: dossierRoute, headers, concurrency: 1 });
    console.log(`archive-bench: ${opts.requests} dossier retrievals, one at a time ...`);
    const runs = [];
    runs.push(await retrievalRun({ label: 'dossier', base, ids: take(opts.requests), route: dossierRoute, headers, concurrency: 1, check: checkDossier, serverPath: /\/dossier$/ }));
    console.log(`archive-bench: ${opts.requests} dossier retrievals at concurrency ${opts.concurrency} ...`);
    runs.push(await retrievalRun({ label: 'dossier', base, ids: take(opts.requests), route: dossierRoute, headers, concurrency: opts.concurrency, check: checkDossier, serverPath: /\/dossier$/ }));
    console.log(`archive-bench: ${opts.requests} record retrievals (GET /v1/archive/complaints/{id}), one at a time ...`);
    runs.push(await retrievalRun({ label: 'record', base, ids: take(opts.requests), route: recordRoute, headers, concurrency: 1, serverPath: /^\/v1\/archive\/complaints\/[0-9a-f-]{36}$/ }));
    // The floor: an answer that reads nothing and checks no token, through the same HTTP stack, under the same load.
    console.log(`archive-bench: ${opts.requests} GET /health/live, one at a time (the floor) ...`);
    runs.push(await retrievalRun({ label: 'health', base, ids: take(opts.requests), route: () => '/health/live', headers: {}, concurrency: 1 }));
    result.retrieval = runs;

    // 6. The chain the bench built and the archive extended must verify.
    const verify = opts.verify ?? headNow <= 200_000;
    if (verify) await waitStableHead(db, opts.schema); // the retrievals' staff actions are still coming in
    if (verify && headNow <= 200_000) {
      console.log(`archive-bench: GET /v1/archive/integrity over ${fmtInt(headNow)}+ entries ...`);
      const auditor = await issueDevToken({ roles: 'auditor', subject: 'bench-auditor' });
      const r = await timedGet(`${base}/v1/archive/integrity`, { authorization: `Bearer ${auditor}` }).catch((e) => ({ status: 0, body: String(e), ms: NaN }));
      const verdict = r.status === 200 ? JSON.parse(r.body) : null;
      result.integrity = verdict
        ? { status: r.status, ms: r.ms, chainIntact: verdict.chainIntact, entries: verdict.entries, brokenAtSeq: verdict.brokenAtSeq ?? null, problem: verdict.problem ?? null }
        : { status: r.status, ms: r.ms, error: r.body.slice(0, 500) };
    } else if (verify) {
      // The service reads the whole table into memory for /v1/archive/integrity: on a big archive
      // the bench recomputes the chain itself instead, streaming it in seq order.
      console.log(`archive-bench: recomputing the whole chain of ${fmtInt(headNow)}+ entries here (streamed) ...`);
      result.integrity = await verifyChainLocally(db, opts.schema);
    } else result.integrity = { skipped: `more than 200,000 entries; pass --verify to recompute the whole chain` };

    result.sizes = await sizes(db, opts.schema);
    result.loadAverageAfter = os.loadavg();
    result.seconds = (Date.now() - began) / 1000;

    // Summary.
    console.log('');
    console.log(`archive ${opts.schema}: ${fmtInt(headNow)} entries, ${fmtInt(result.complaints)} complaints; archive_entries ${fmtMB(result.sizes.totalBytes)} with indexes`);
    if (result.seed) console.log(`seed (direct INSERT as owner, valid chain): ${fmtInt(result.seed.events)} events in ${result.seed.seconds.toFixed(1)} s = ${fmtInt(result.seed.eventsPerSecond)} events/s`);
    if (result.ingest) {
      const i = result.ingest;
      console.log(
        `ingest (Kafka -> consume -> hash -> insert -> commit): ${fmtInt(i.appended)} entries in ${i.seconds.toFixed(1)} s = ${fmtInt(i.eventsPerSecond)} events/s end to end, ` +
          `${fmtInt(i.steadyEventsPerSecond)} events/s steady (10-90 %)`,
      );
    }
    console.log('');
    printTable(
      ['retrieval', 'concurrency', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-200', 'in archive p50/p95 ms'],
      runs.map((r) => [
        { dossier: 'GET …/{id}/dossier', record: 'GET …/complaints/{id}', health: 'GET /health/live' }[r.label],
        r.concurrency,
        fmtInt(r.requests),
        fmtInt(r.requestsPerSecond),
        fmtMs(r.p50),
        fmtMs(r.p95),
        fmtMs(r.p99),
        fmtMs(r.max),
        fmtInt(Object.entries(r.statuses).filter(([code]) => code !== '200').reduce((n, [, k]) => n + k, 0)),
        r.serverMs ? `${r.serverMs.p50} / ${r.serverMs.p95}` : '-',
      ]),
    );
    for (const r of runs) {
      const other = Object.entries(r.statuses).filter(([code]) => code !== '200');
      if (other.length) console.log(`  ${r.label} at ${r.concurrency}: answers other than 200: ${other.map(([c, n]) => `${c} x${n}`).join(', ')}`);
    }
    const dossiers = runs.filter((r) => r.checks);
    const checked = dossiers.reduce((n, r) => n + r.requests, 0);
    const sum = (k) => dossiers.reduce((n, r) => n + r.checks[k], 0);
    console.log(
      `  dossiers checked: ${fmtInt(checked)}, ${fmtInt(sum('entries') / Math.max(checked, 1))} entries each on average; chain intact in ${fmtInt(sum('intact'))}, ` +
        `sealed ${fmtInt(sum('sealed'))}, seal matches in ${fmtInt(sum('sealMatches'))}`,
    );
    console.log('');
    console.log(`  ${GOAL_LINE}`);
    for (const r of runs.filter((x) => x.label === 'dossier')) {
      console.log(`    concurrency ${r.concurrency}: ${r.p95 < GOAL_P95_MS ? 'met' : 'not met'} (p95 ${fmtMs(r.p95)} ms at ${fmtInt(headNow)} entries)`);
    }
    console.log('');
    console.log('  query plans (EXPLAIN ANALYZE, one complaint):');
    for (const [name, e] of Object.entries(result.explain)) {
      console.log(`    ${name.padEnd(12)} ${e.executionMs.toFixed(2)} ms, ${e.rows} rows: ${e.scans.join('; ')}${e.seqScan ? '  <-- sequential scan' : ''}`);
    }
    if (result.integrity.local) {
      console.log(
        `  integrity: recomputed here: chain ${result.integrity.chainIntact ? 'intact' : `BROKEN at seq ${result.integrity.brokenAtSeq}: ${result.integrity.problem}`}, ` +
          `${fmtInt(result.integrity.entries)} entries in ${fmtMs(result.integrity.ms)} ms, head ${result.integrity.headMatches ? 'matches' : 'does NOT match'}`,
      );
    } else if (result.integrity.skipped) console.log(`  integrity: skipped (${result.integrity.skipped})`);
    else if (result.integrity.error) console.log(`  integrity: GET /v1/archive/integrity answered ${result.integrity.status}: ${result.integrity.error}`);
    else {
      console.log(
        `  integrity: GET /v1/archive/integrity: chain ${result.integrity.chainIntact ? 'intact' : `BROKEN at seq ${result.integrity.brokenAtSeq}: ${result.integrity.problem}`}, ` +
          `${fmtInt(result.integrity.entries)} entries recomputed in ${fmtMs(result.integrity.ms)} ms`,
      );
    }
    fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
    fs.writeFileSync(OUT_FILE, `${JSON.stringify(result, null, 2)}\n`);
    console.log('');
    console.log(`archive-bench: done in ${result.seconds.toFixed(0)} s; load average ${load()} (1, 5, 15 min); figures in ${path.relative(ROOT, OUT_FILE)}`);
  } finally {
    await stopArchive().catch((e) => console.error(`archive-bench: stopping the archive failed: ${e.message}`));
    await db.end().catch(() => {});
  }
}

function gitHead(dir) {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dir !== ROOT) return `${commit} (ARCHIVE_BENCH_CHECKOUT; may differ)`;
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/compliance-archive', 'libs'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${commit} + uncommitted changes in apps/compliance-archive or libs` : commit;
  } catch {
    return null;
  }
}

const pgLiteral = (text) => `'${text.replace(/'/g, "''")}'`;

async function deleteTopics(kafka, prefix) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    await admin.deleteGroups([`${prefix}compliance-archive`]).catch(() => {});
  } catch (e) {
    console.error(`archive-bench: could not delete the old topics ${prefix}*: ${e.message}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

main().catch((e) => {
  if (interrupted) return; // the signal handler stops the archive and exits
  console.error(`archive-bench: ${e.stack ?? e}`);
  process.exitCode = 1;
});
