/**
 * Load and faults against the running platform (six services as processes, the simulated core
 * ledger, the real broker and database), and the verdict after each fault: every accepted
 * complaint archived exactly once, one acknowledgement per complaint, one payout per approved
 * remedy, dead letters equal to the poison injected, per-complaint order kept, the archive's
 * chain intact. Used by `npm run bench:resilience` (the full table) and by the CI-sized e2e test.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { SERVICES, ServiceName, TOPICS, TOPIC_CATALOGUE, deadLetterTopic } from '@complaints/contracts';
import { eventually, RunningPlatform, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '@complaints/testing';

// ---------------------------------------------------------------------------------------------
// Load

const ZH = [
  '手机银行跨行转账显示成功，但对方一直没有收到，已经三天了，客服只让我等。',
  '信用卡年费在我没有开通任何权益的情况下被重复扣收，要求退还。',
  '理财经理推荐的产品风险等级与我的风险评估不符，现在亏损了，要求说明。',
  '网点柜员办理业务时态度很差，还让我等了一个多小时。',
  '房贷提前还款后违约金计算有误，多收了费用。',
];
const EN = [
  'I was charged an overdraft fee twice for the same transaction and nobody will refund it.',
  'My mortgage payment was applied late although I paid on time, and now my credit report shows a late payment.',
  'A wire transfer I sent ten days ago has not arrived and the bank cannot tell me where it is.',
  'The debt collector keeps calling me at work about a debt that is not mine.',
  'My credit card was closed without notice and my rewards points were lost.',
];
/** Channels whose adapters accept the canonical body; each files with its own channel token. */
const CHANNELS = ['web', 'mobile-app', 'wechat', 'branch'] as const;

export interface Filed {
  key: string;
  complaintId: string;
  ticketNumber: string;
  sentAt: number;
  ackMs: number;
  attempts: number;
}

export interface LoadResult {
  filed: Filed[];
  /** Requests that never got a ticket after every retry (should stay 0). */
  gaveUp: number;
  seconds: number;
}

function complaintBody(i: number, repeatOf: number | null) {
  const n = repeatOf ?? i;
  const english = n % 3 === 2;
  const texts = english ? EN : ZH;
  return {
    channel: CHANNELS[i % CHANNELS.length],
    complainant: { customerId: `LOAD-C${n % 5000}`, name: english ? 'Alex Morgan' : '李明', phone: `139${String(10_000_000 + (n % 90_000_000)).slice(0, 8)}` },
    description: texts[n % texts.length] + (repeatOf === null ? '' : ' 再次投诉，问题仍未解决。'),
    preferredReplyChannel: 'sms',
    language: english ? 'en' : 'zh-CN',
    ...(n % 5 < 2 ? { amountInDispute: { amountMinor: 1_000 + (n % 50_000), currency: 'CNY' } } : {}),
  };
}

/**
 * Files `count` complaints at `ratePerSecond`, open loop: a request goes out on schedule whether
 * or not earlier ones were answered (at most `maxInFlight` at once). A request that fails (a
 * killed intake, a refused connection) is retried with the same Idempotency-Key, as a channel
 * must, until it gets its ticket or `giveUpAfterMs` passes.
 */
export async function fileComplaints(platform: RunningPlatform, opts: { count: number; ratePerSecond: number; maxInFlight?: number; giveUpAfterMs?: number; onProgress?: (sent: number) => void; /** Numbers this run's complaints after earlier runs' on the same platform. */ firstNumber?: number }): Promise<LoadResult> {
  const tokens = new Map<string, string>();
  for (const c of CHANNELS) tokens.set(c, await platform.issuer.token('channel-adapter', { channel: c, subject: `${c}-adapter` }));
  const filed: Filed[] = [];
  let gaveUp = 0;
  let inFlight = 0;
  const maxInFlight = opts.maxInFlight ?? 64;
  const started = Date.now();
  const pending: Promise<void>[] = [];
  const first = opts.firstNumber ?? 0;
  for (let sent = 0; sent < opts.count; sent++) {
    const i = first + sent;
    const due = started + (sent * 1000) / opts.ratePerSecond;
    while (Date.now() < due || inFlight >= maxInFlight) await sleep(Math.max(1, Math.min(20, due - Date.now())));
    opts.onProgress?.(sent);
    const repeatOf = i % 10 === 9 && i > 20 ? i - 17 : null;
    const body = complaintBody(i, repeatOf);
    const key = `load-${platform.id}-${i}`;
    inFlight++;
    pending.push(
      (async () => {
        const sentAt = Date.now();
        for (let attempt = 1; ; attempt++) {
          try {
            const res = await fetch(platform.url('intake', '/v1/complaints'), {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(body.channel)}`, 'idempotency-key': key },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(15_000),
            });
            if (res.status === 201 || res.status === 200) {
              const ack = (await res.json()) as { complaintId: string; ticketNumber: string };
              filed.push({ key, complaintId: ack.complaintId, ticketNumber: ack.ticketNumber, sentAt, ackMs: Date.now() - sentAt, attempts: attempt });
              return;
            }
            await res.text();
            if (res.status < 500 && res.status !== 429) throw new Error(`intake refused load complaint ${i}: ${res.status}`);
          } catch (e) {
            if ((e as Error).message.startsWith('intake refused')) throw e;
          }
          if (Date.now() - sentAt > (opts.giveUpAfterMs ?? 180_000)) {
            gaveUp++;
            return;
          }
          await sleep(Math.min(2_000, 100 * attempt));
        }
      })().finally(() => inFlight--),
    );
  }
  await Promise.all(pending);
  return { filed, gaveUp, seconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Remedies: some complaints are decided with a small remedy, paid through the core ledger.

/** Decides the cases of `complaintIds` with a small remedy (approved by the decision itself, so it is paid at once). */
export async function decideWithRemedies(platform: RunningPlatform, complaintIds: string[]): Promise<void> {
  const as = async (role: 'investigator' | 'administrator' | 'approver', subject: string) => ({
    authorization: `Bearer ${await platform.issuer.token(role, { subject, ...(role === 'approver' ? { approvalLimitMinor: 5_000_000 } : {}) })}`,
    'content-type': 'application/json',
  });
  const call = async (method: string, url: string, body: unknown, headers: Record<string, string>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
        const text = await res.text();
        if (res.status >= 400 && res.status < 500) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
        if (res.status < 500) return { status: res.status, body: text ? JSON.parse(text) : null };
      } catch (e) {
        if ((e as Error).message.includes(' answered 4')) throw e;
        // the service is down for a moment: ask again
      }
      if (attempt > 60) throw new Error(`${method} ${url} kept failing`);
      await sleep(1_000);
    }
  };
  const investigation = (route: string) => platform.url('investigation', route);
  const admin = await as('administrator', 'admin-load');
  const investigator = await as('investigator', 'investigator-load');
  const known = new Set<string>();
  for (const complaintId of complaintIds) {
    const opened = await eventually(
      async () => {
        const r = await call('GET', investigation(`/v1/cases?complaintId=${complaintId}`), undefined, investigator);
        return Array.isArray(r.body) && r.body.length ? r.body[0] : null;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `the case of ${complaintId}` },
    );
    // A named investigator must belong to the case's department: one load investigator per department.
    const staffId = `investigator-load-${opened.department}`;
    if (!known.has(opened.department)) {
      await call('PUT', investigation('/v1/investigators'), { staffId, department: opened.department, skills: ['general'], capacity: 1000, active: true, lineManager: null }, admin);
      known.add(opened.department);
    }
    if (opened.status === 'awaiting-assignment') await call('POST', investigation(`/v1/cases/${opened.id}/assignment`), { investigator: staffId }, await as('approver', 'approver-load'));
    // Cases opened after the department had its load investigator are assigned to it at once.
    const assignee = await as('investigator', opened.status === 'awaiting-assignment' ? staffId : (opened.assignedTo ?? staffId));
    await call('PUT', investigation(`/v1/cases/${opened.id}/findings`), { facts: ['系统重复扣费'], liability: 'bank', rootCause: { code: 'system', detail: '扣费程序缺陷' } }, assignee);
    const proposed = await call(
      'POST',
      investigation(`/v1/cases/${opened.id}/resolution`),
      { outcome: 'upheld', explanation: '重复扣收的费用予以退还。', actions: ['refund'], remedy: { type: 'fee-refund', amount: { amountMinor: 2_000 + (complaintId.charCodeAt(0) % 50) * 100, currency: 'CNY' } } },
      assignee,
    );
    // A severe complaint's decision needs a second pair of eyes before it is issued.
    if (proposed.body?.status === 'awaiting-approval') await call('POST', investigation(`/v1/cases/${opened.id}/resolution/decision`), { decision: 'approve' }, await as('approver', 'approver-load'));
  }
}

// ---------------------------------------------------------------------------------------------
// Faults

export async function injectPoison(platform: RunningPlatform, perKind: number): Promise<number> {
  const kafka = new Kafka({ clientId: `poison-${platform.id}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < perKind; i++) {
    const complaintId = randomUUID();
    messages.push({ key: complaintId, value: Buffer.from(`not json ${randomBytes(8).toString('hex')} {`) });
    messages.push({ key: complaintId, value: JSON.stringify({ eventId: randomUUID(), type: 'complaint.teleported', version: 1, occurredAt: new Date().toISOString(), complaintId, correlationId: 'poison', causationId: null, producer: 'intake', payload: {} }) });
    messages.push({ key: complaintId, value: JSON.stringify({ eventId: randomUUID(), type: 'complaint.received', version: 1, occurredAt: new Date().toISOString(), complaintId, correlationId: 'poison', causationId: null, producer: 'intake', payload: { ticketNumber: 42 } }) });
  }
  await producer.send({ topic: `${platform.topicPrefix}${TOPICS.intake}`, messages });
  await producer.disconnect();
  return messages.length;
}

/** Moves a stopped service's consumer group back to the start of every topic it reads. */
export async function replayFromBeginning(platform: RunningPlatform, service: ServiceName): Promise<void> {
  const kafka = new Kafka({ clientId: `replay-${platform.id}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${platform.topicPrefix}${service}`;
  // The group must be empty before its offsets can move: the member's session may outlive the process.
  await eventually(async () => (await admin.describeGroups([groupId])).groups[0].members.length === 0 || null, { timeoutMs: 90_000, intervalMs: 500, what: `${groupId} to be empty` });
  for (const entry of TOPIC_CATALOGUE.filter((t) => t.consumers.includes(service))) {
    await admin.resetOffsets({ groupId, topic: `${platform.topicPrefix}${entry.topic}`, earliest: true });
  }
  await admin.disconnect();
}

/** Holds the archive's chain head locked, so its handler waits longer than the consumer session allows. */
export async function stallArchive(platform: RunningPlatform, holdMs: number): Promise<void> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    await pg.query('BEGIN');
    await pg.query(`SELECT * FROM "${platform.schemas['compliance-archive']}".chain_head FOR UPDATE`);
    await sleep(holdMs);
    await pg.query('COMMIT');
  } finally {
    await pg.end();
  }
}

export function brokerPid(): number | null {
  const file = path.resolve(__dirname, '../../.data/kafka/kafka.pid');
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

export function restartPostgres(): void {
  const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(/\s+/));
  const [version, name] = clusters.find((c) => c[2] === '5432') ?? clusters[0];
  execFileSync('pg_ctlcluster', [version, name, 'restart'], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------
// Verdict

export interface Verdict {
  accepted: number;
  archivedOnce: number;
  archivedTwice: number;
  notArchived: number;
  acknowledgedOnce: number;
  acknowledgedTwice: number;
  orderKept: number;
  approvedRemedies: number;
  remediesPaidOnce: number;
  coreBookings: number;
  deadLetters: Record<string, number>;
  chainIntact: boolean;
}

async function sql<R>(text: string, params: unknown[] = []): Promise<R[]> {
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    return (await pg.query(text, params)).rows as R[];
  } finally {
    await pg.end();
  }
}

/** Waits until every accepted complaint is archived, triaged, opened as a case and acknowledged, and every decided remedy paid. */
export async function drained(platform: RunningPlatform, complaintIds: string[], remedyComplaints: string[], timeoutMs = 300_000): Promise<number> {
  const s = platform.schemas;
  const started = Date.now();
  let progress = '';
  try {
    await eventually(
      async () => {
        const [a] = await sql<{ received: string; triaged: string; opened: string }>(
          `SELECT count(DISTINCT complaint_id) FILTER (WHERE event_type = 'complaint.received') AS received,
                  count(DISTINCT complaint_id) FILTER (WHERE event_type = 'complaint.triaged') AS triaged,
                  count(DISTINCT complaint_id) FILTER (WHERE event_type = 'case.opened') AS opened
             FROM "${s['compliance-archive']}".archive_entries WHERE complaint_id = ANY($1)`,
          [complaintIds],
        );
        const [ack] = await sql<{ n: string }>(`SELECT count(DISTINCT complaint_id) AS n FROM "${s.notification}".customer_messages WHERE kind = 'acknowledgement' AND complaint_id = ANY($1)`, [complaintIds]);
        const [paid] = remedyComplaints.length
          ? await sql<{ n: string }>(`SELECT count(*) AS n FROM "${s.compensation}".remedies WHERE status = 'paid' AND complaint_id = ANY($1)`, [remedyComplaints])
          : [{ n: '0' }];
        progress = `archived ${a.received}, triaged ${a.triaged}, cases opened ${a.opened}, acknowledged ${ack.n} of ${complaintIds.length}; paid ${paid.n} of ${remedyComplaints.length}`;
        const all = complaintIds.length;
        return Number(a.opened) === all && Number(ack.n) === all && Number(paid.n) === remedyComplaints.length ? true : null;
      },
      { timeoutMs, intervalMs: 500, what: 'the backlog to drain' },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (${progress})`);
  }
  return (Date.now() - started) / 1000;
}

export async function verdict(platform: RunningPlatform, complaintIds: string[]): Promise<Verdict> {
  const s = platform.schemas;
  // Order: within each topic the archive took a complaint's events in the order they were written
  // (offsets rise with the archive's sequence), and across topics cause precedes effect.
  const archived = await sql<{ complaint_id: string; received: string; order_ok: boolean }>(
    `WITH e AS (
       SELECT complaint_id, event_type, occurred_at, seq, source_offset,
              lag(source_offset) OVER (PARTITION BY complaint_id, source_topic ORDER BY seq) AS previous_offset
         FROM "${s['compliance-archive']}".archive_entries WHERE complaint_id = ANY($1))
     SELECT complaint_id,
            count(*) FILTER (WHERE event_type = 'complaint.received') AS received,
            bool_and(previous_offset IS NULL OR previous_offset < source_offset)
              AND coalesce(min(occurred_at) FILTER (WHERE event_type = 'complaint.received') < min(occurred_at) FILTER (WHERE event_type = 'complaint.triaged')
                       AND min(occurred_at) FILTER (WHERE event_type = 'complaint.triaged') < min(occurred_at) FILTER (WHERE event_type = 'case.opened'), false) AS order_ok
       FROM e GROUP BY complaint_id`,
    [complaintIds],
  );
  const received = new Map(archived.map((r) => [r.complaint_id, Number(r.received)]));
  const acks = await sql<{ complaint_id: string; n: string }>(
    `SELECT complaint_id, count(*) AS n FROM "${s.notification}".customer_messages WHERE kind = 'acknowledgement' AND complaint_id = ANY($1) GROUP BY complaint_id`,
    [complaintIds],
  );
  const remedies = await sql<{ id: string; bookings: string }>(
    `SELECT r.id, (SELECT count(*) FROM "${platform.coreBanking.schema}".instructions i JOIN "${s.compensation}".payouts p ON p.id = i.instruction_id
                    WHERE p.remedy_id = r.id AND p.kind = 'payout' AND i.outcome = 'booked') AS bookings
       FROM "${s.compensation}".remedies r WHERE r.approved_at IS NOT NULL`,
  );
  const [core] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${platform.coreBanking.schema}".instructions WHERE outcome = 'booked'`);
  const integrity = await fetch(platform.url('compliance-archive', '/v1/archive/integrity'), { headers: { authorization: `Bearer ${await platform.issuer.token('compliance-officer', { subject: 'resilience' })}` } });
  const chain = (await integrity.json()) as { intact: boolean };
  return {
    accepted: complaintIds.length,
    archivedOnce: complaintIds.filter((id) => received.get(id) === 1).length,
    archivedTwice: complaintIds.filter((id) => (received.get(id) ?? 0) > 1).length,
    notArchived: complaintIds.filter((id) => !received.has(id)).length,
    acknowledgedOnce: acks.filter((a) => Number(a.n) === 1).length,
    acknowledgedTwice: acks.filter((a) => Number(a.n) > 1).length,
    orderKept: archived.filter((r) => r.order_ok).length,
    approvedRemedies: remedies.length,
    remediesPaidOnce: remedies.filter((r) => Number(r.bookings) === 1).length,
    coreBookings: Number(core.n),
    deadLetters: await deadLetterCounts(platform),
    chainIntact: chain.intact === true,
  };
}

export async function deadLetterCounts(platform: RunningPlatform): Promise<Record<string, number>> {
  const kafka = new Kafka({ clientId: `dlq-count-${platform.id}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const counts: Record<string, number> = {};
  for (const service of SERVICES) {
    const topic = `${platform.topicPrefix}${deadLetterTopic(service)}`;
    counts[service] = 0;
    if (!existing.has(topic)) continue;
    for (const p of await admin.fetchTopicOffsets(topic)) counts[service] += Number(p.high) - Number(p.low);
  }
  await admin.disconnect();
  return counts;
}

/** Redelivered events each service recognised and dropped (events_consumed_total{outcome="duplicate"}), with the pid that counted them. */
export async function duplicatesDiscarded(platform: RunningPlatform): Promise<Record<string, { pid: number; count: number }>> {
  const out: Record<string, { pid: number; count: number }> = {};
  for (const service of SERVICES) {
    let count = 0;
    try {
      const text = await (await fetch(platform.url(service, '/metrics'))).text();
      for (const line of text.split('\n')) if (line.startsWith('events_consumed_total{') && line.includes('outcome="duplicate"')) count += Number(line.split(' ').pop());
    } catch {
      // a service being restarted has no metrics to give
    }
    out[service] = { pid: platform.pid(service), count };
  }
  return out;
}

/** Duplicates dropped between two readings; a restarted process counts from zero, so all of its count is new. */
export const duplicatesBetween = (before: Awaited<ReturnType<typeof duplicatesDiscarded>>, after: Awaited<ReturnType<typeof duplicatesDiscarded>>): number =>
  Object.entries(after).reduce((sum, [service, a]) => sum + (before[service]?.pid === a.pid ? Math.max(0, a.count - before[service].count) : a.count), 0);

/** Which consumer groups read the intake topic: each dead-letters every poison message put there. */
export const INTAKE_CONSUMERS: ServiceName[] = TOPIC_CATALOGUE.find((t) => t.topic === TOPICS.intake)!.consumers;

// ---------------------------------------------------------------------------------------------
// Measurements

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export const percentiles = (values: number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
};

/** Received→triaged and received→archived in milliseconds, from the archive's own record. */
export async function pipelineLatencies(platform: RunningPlatform, complaintIds: string[]): Promise<{ toTriaged: Percentiles; toArchived: Percentiles }> {
  const rows = await sql<{ triaged_ms: string | null; archived_ms: string }>(
    `SELECT extract(epoch FROM (min(occurred_at) FILTER (WHERE event_type = 'complaint.triaged') - min(occurred_at) FILTER (WHERE event_type = 'complaint.received'))) * 1000 AS triaged_ms,
            extract(epoch FROM (min(archived_at) FILTER (WHERE event_type = 'complaint.received') - min(occurred_at) FILTER (WHERE event_type = 'complaint.received'))) * 1000 AS archived_ms
       FROM "${platform.schemas['compliance-archive']}".archive_entries WHERE complaint_id = ANY($1) GROUP BY complaint_id`,
    [complaintIds],
  );
  return {
    toTriaged: percentiles(rows.filter((r) => r.triaged_ms !== null).map((r) => Number(r.triaged_ms))),
    toArchived: percentiles(rows.map((r) => Number(r.archived_ms))),
  };
}

export interface Sample {
  atSeconds: number;
  lag: Record<string, number>;
  cpuPercent: Record<string, number>;
  rssMb: Record<string, number>;
}

const CLOCK_TICKS = 100;
const cpuTicks = (pid: number): number | null => {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
};
const rssMb = (pid: number): number | null => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
};
const postgresPids = (): number[] =>
  fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });

const lagAdmin = (platform: RunningPlatform): Admin =>
  new Kafka({ clientId: `lag-${platform.id}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();

/** Messages each service's consumer group has not yet committed, over every topic it reads. */
async function consumerLag(platform: RunningPlatform, admin: Admin): Promise<Record<string, number>> {
  const lag: Record<string, number> = {};
  for (const service of SERVICES) {
    const groupId = `${platform.topicPrefix}${service}`;
    let behind = 0;
    for (const entry of TOPIC_CATALOGUE.filter((t) => t.consumers.includes(service))) {
      const topic = `${platform.topicPrefix}${entry.topic}`;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      for (const p of ends) {
        const c = committed?.partitions.find((x) => x.partition === p.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        behind += Math.max(0, Number(p.high) - done);
      }
    }
    lag[service] = behind;
  }
  return lag;
}

/**
 * Waits until no consumer group is behind. A complaint counts as drained once it is archived,
 * triaged, opened and acknowledged, but intake's status tracker and the archive still work off the
 * events that follow; a measurement started before they caught up would pay for the warm-up.
 */
export async function consumersCaughtUp(platform: RunningPlatform, timeoutMs = 900_000): Promise<void> {
  const admin = lagAdmin(platform);
  await admin.connect();
  let last: Record<string, number> = {};
  try {
    await eventually(
      async () => {
        last = await consumerLag(platform, admin);
        return Object.values(last).every((n) => n === 0);
      },
      { timeoutMs, intervalMs: 1_000, what: 'every consumer group to catch up' },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (behind: ${JSON.stringify(last)})`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Samples consumer lag (messages not yet committed by each group) and CPU and memory of every
 * process (the six services, the broker, PostgreSQL's processes together) every `everyMs`.
 */
export function startSampling(platform: RunningPlatform, everyMs = 5_000) {
  const samples: Sample[] = [];
  const admin = lagAdmin(platform);
  const started = Date.now();
  const processes = (): Record<string, number[]> => {
    const out: Record<string, number[]> = {};
    for (const s of SERVICES) out[s] = [platform.pid(s)];
    const broker = brokerPid();
    if (broker) out.kafka = [broker];
    out.postgres = postgresPids();
    return out;
  };
  // Ticks per pid: PostgreSQL's backends come and go, and a sum over the processes alive now minus
  // one over those alive before would count an exited backend's whole life as negative time.
  let last = new Map<string, { ticks: Map<number, number>; at: number }>();
  let stopped = false;
  const take = async () => {
    let lag: Record<string, number> = {};
    try {
      lag = await consumerLag(platform, admin);
    } catch {
      // the broker is down in this moment (a fault scenario): no lag reading
    }
    const cpuPercent: Record<string, number> = {};
    const rss: Record<string, number> = {};
    const now = Date.now();
    const next = new Map<string, { ticks: Map<number, number>; at: number }>();
    for (const [name, pids] of Object.entries(processes())) {
      const ticks = new Map(pids.flatMap((pid) => {
        const t = cpuTicks(pid);
        return t === null ? [] : [[pid, t] as const];
      }));
      const before = last.get(name);
      if (before) {
        // A process started since the last sample counts from its start (at most the interval's length).
        const used = [...ticks].reduce((sum, [pid, t]) => sum + t - (before.ticks.get(pid) ?? 0), 0);
        cpuPercent[name] = Math.round((used / CLOCK_TICKS / ((now - before.at) / 1000)) * 100);
      }
      next.set(name, { ticks, at: now });
      rss[name] = pids.map(rssMb).reduce<number>((s, m) => s + (m ?? 0), 0);
    }
    last = next;
    samples.push({ atSeconds: Math.round((now - started) / 1000), lag, cpuPercent, rssMb: rss });
  };
  const loop = (async () => {
    await admin.connect();
    while (!stopped) {
      await take();
      await sleep(everyMs);
    }
    await admin.disconnect();
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
