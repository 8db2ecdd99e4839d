import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { SERVICES, TOPICS } from '@complaints/contracts';
import {
  collectTopic,
  eventually,
  quietKafka,
  RunningPlatform,
  startPlatform,
  TEST_DATABASE_URL,
  uniqueTestId,
} from '@complaints/testing';

jest.setTimeout(180_000);

interface ArchivedEvent {
  seq: number;
  eventId: string;
  type: string;
  producer: string;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  payload: Record<string, unknown>;
}

const PERSONAL = { name: '测试人甲乙', phone: '13912340000', idNumber: '110105194912310021', email: 'jia.yi@example.com' };

describe('one complaint through all six services (real processes, Kafka and Postgres)', () => {
  let platform: RunningPlatform;
  let pg: Client;

  beforeAll(async () => {
    platform = await startPlatform(uniqueTestId());
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
  });

  afterAll(async () => {
    await platform?.stop();
    if (pg) {
      for (const schema of Object.values(platform?.schemas ?? {})) await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pg.end();
    }
  });

  const json = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  const complaint = (overrides: Record<string, unknown> = {}) => ({
    channel: 'web',
    complainant: { ...PERSONAL },
    description: `我的信用卡被重复扣年费，卡号 6222021234567890123，联系电话 ${PERSONAL.phone}。`,
    productHint: '信用卡',
    amountInDispute: { amountMinor: 30000, currency: 'CNY' },
    preferredReplyChannel: 'sms',
    ...overrides,
  });

  const archiveOf = async (complaintId: string): Promise<ArchivedEvent[]> =>
    (await json('GET', platform.url('compliance-archive', `/v1/archive/complaints/${complaintId}`))).body.events;

  const complaintCount = async () =>
    Number((await pg.query(`SELECT count(*) AS n FROM "${platform.schemas.intake}".complaints`)).rows[0].n);

  it('answers ready, live, metrics and OpenAPI on every service', async () => {
    for (const service of SERVICES) {
      expect((await json('GET', platform.url(service, '/health/live'))).status).toBe(200);
      const ready = await json('GET', platform.url(service, '/health/ready'));
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ database: { status: 'up' }, kafka: { status: 'up' } });
      const metrics = await fetch(platform.url(service, '/metrics'));
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain(`process_cpu_user_seconds_total{service="${service}"}`);
      const docs = await json('GET', platform.url(service, '/docs-json'));
      expect(docs.body.openapi).toMatch(/^3\./);
      expect(Object.keys(docs.body.paths).some((p) => p.startsWith('/v1/'))).toBe(true);
    }
  });

  it('carries a complaint from intake to a sealed archive record, every event in order', async () => {
    const correlationId = `e2e-${platform.id}`;
    const filed = await json('POST', platform.url('intake', '/v1/complaints'), complaint(), { 'x-correlation-id': correlationId });
    expect(filed.status).toBe(201);
    expect(filed.headers.get('x-correlation-id')).toBe(correlationId);
    expect(filed.body.ticketNumber).toMatch(/^CMP-\d{8}-\d{8}-\d$/);
    expect(new Date(filed.body.responseDueBy).getTime()).toBeGreaterThan(Date.now() + 14 * 86_400_000);
    const { complaintId, ticketNumber } = filed.body;

    const opened = await eventually(async () => {
      const events = await archiveOf(complaintId);
      return events.find((e) => e.type === 'case.opened');
    }, { what: 'the case to open' });

    const resolved = await json('POST', platform.url('investigation', `/v1/cases/${opened.payload.caseId}/resolution`), {
      outcome: 'upheld',
      explanation: '年费系系统重复收取，予以退还。',
      remedy: { type: 'fee-refund', amount: { amountMinor: 30000, currency: 'CNY' } },
      decidedBy: 'staff-7',
    }, { 'x-correlation-id': correlationId });
    expect(resolved.status).toBe(201);
    const again = await json('POST', platform.url('investigation', `/v1/cases/${opened.payload.caseId}/resolution`), {
      outcome: 'not-upheld', explanation: 'x', decidedBy: 'staff-8',
    });
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');

    const events = await eventually(async () => {
      const all = await archiveOf(complaintId);
      return all.some((e) => e.type === 'dossier.sealed') && all.some((e) => e.type === 'remedy.proposed') ? all : null;
    }, { what: 'the sealed record' });

    expect(new Set(events.map((e) => e.producer))).toEqual(new Set(SERVICES));
    const position = (type: string, kind?: string) =>
      events.findIndex((e) => e.type === type && (kind === undefined || e.payload.kind === kind));
    expect(position('complaint.received')).toBe(0);
    expect(position('complaint.triaged')).toBeLessThan(position('case.opened'));
    expect(position('case.opened')).toBeLessThan(position('case.resolved'));
    expect(position('case.resolved')).toBeLessThan(position('remedy.proposed'));
    expect(position('notification.sent', 'acknowledgement')).toBeLessThan(position('notification.sent', 'final-response'));
    expect(position('notification.sent', 'final-response')).toBeLessThan(position('dossier.sealed'));
    const times = events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // One correlation id from the HTTP request through Kafka to the last event; causation links each step.
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set([correlationId]));
    const received = events[position('complaint.received')];
    expect(events[position('complaint.triaged')].causationId).toBe(received.eventId);
    expect(events.filter((e) => e.type === 'notification.sent')).toHaveLength(2);

    const status = await json('GET', platform.url('intake', `/v1/complaints/${ticketNumber}/status`));
    expect(status.body).toMatchObject({ ticketNumber, status: 'responded', statusLabel: { 'zh-CN': '已答复' } });
    const integrity = await json('GET', platform.url('compliance-archive', '/v1/archive/integrity'));
    expect(integrity.body).toMatchObject({ intact: true });
  });

  it('gives a channel retry the original ticket instead of a second complaint', async () => {
    const key = `retry-${platform.id}`;
    const first = await json('POST', platform.url('intake', '/v1/complaints'), complaint({ channel: 'hotline' }), { 'idempotency-key': key });
    const before = await complaintCount();
    const second = await json('POST', platform.url('intake', '/v1/complaints'), complaint({ channel: 'hotline' }), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ complaintId: first.body.complaintId, ticketNumber: first.body.ticketNumber, duplicate: true });
    expect(await complaintCount()).toBe(before);
  });

  it('answers hostile input with problem+json and writes nothing', async () => {
    const before = await complaintCount();
    const malformed = await json('POST', platform.url('intake', '/v1/complaints'), '{"channel": "web",');
    expect(malformed.status).toBe(400);
    expect(malformed.type).toContain('application/problem+json');
    expect(malformed.body).toMatchObject({ type: expect.stringMatching(/malformed-json$/), status: 400 });

    const huge = await json('POST', platform.url('intake', '/v1/complaints'), complaint({ description: '长'.repeat(300_000) }));
    expect(huge.status).toBe(413);
    expect(huge.type).toContain('application/problem+json');
    expect(huge.body).toMatchObject({ type: expect.stringMatching(/payload-too-large$/), status: 413 });

    const wrongTypes = await json('POST', platform.url('intake', '/v1/complaints'), {
      channel: 'fax',
      complainant: { name: 42 },
      description: '',
      preferredReplyChannel: 'sms',
      amountInDispute: { amountMinor: 12.5, currency: 'cny' },
      isAdmin: true,
    });
    expect(wrongTypes.status).toBe(400);
    const paths = wrongTypes.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['channel', 'complainant.name', 'description', 'amountInDispute.amountMinor', 'amountInDispute.currency', 'isAdmin']),
    );
    const badTicket = await json('GET', platform.url('intake', '/v1/complaints/CMP-20260101-00000001-9/status'));
    expect(badTicket.status).toBe(400);
    expect(await complaintCount()).toBe(before);
  });

  it('keeps personal data out of Kafka and the logs, and the correlation id in every service log', async () => {
    const correlationId = `pii-${platform.id}`;
    const filed = await json('POST', platform.url('intake', '/v1/complaints'), complaint({ channel: 'email' }), { 'x-correlation-id': correlationId });
    await eventually(async () => (await archiveOf(filed.body.complaintId)).some((e) => e.type === 'case.opened'), { what: 'the case' });

    const stored = await pg.query(`SELECT complainant_sealed FROM "${platform.schemas.intake}".complaints WHERE id = $1`, [filed.body.complaintId]);
    expect(stored.rows[0].complainant_sealed).not.toContain(PERSONAL.name);
    expect(stored.rows[0].complainant_sealed).not.toContain(PERSONAL.phone);

    const kafka = quietKafka(`pii-check-${platform.id}`);
    for (const base of Object.values(TOPICS)) {
      const topic = await collectTopic(kafka, `${platform.topicPrefix}${base}`);
      try {
        if (base === TOPICS.intake) await eventually(() => topic.messages.length >= 1, { what: `records on ${base}` });
        const raw = topic.messages.map((m) => m.value?.toString() ?? '').join('\n');
        for (const value of Object.values(PERSONAL)) expect(raw).not.toContain(value);
        expect(raw).not.toContain('6222021234567890123');
      } finally {
        await topic.stop();
      }
    }
    const logs = Object.fromEntries(
      SERVICES.map((s) => [s, fs.readFileSync(path.join(platform.logDir, `${s}.log`), 'utf8')]),
    );
    for (const text of Object.values(logs)) for (const value of Object.values(PERSONAL)) expect(text).not.toContain(value);
    for (const s of ['intake', 'triage', 'investigation', 'notification', 'compliance-archive'] as const) {
      const lines = logs[s].split('\n').filter((l) => l.includes(correlationId));
      expect({ service: s, linesWithCorrelationId: lines.length > 0 }).toEqual({ service: s, linesWithCorrelationId: true });
      expect(() => JSON.parse(lines[0])).not.toThrow();
    }
  });

  it('stops every service cleanly on SIGTERM', async () => {
    const codes = await platform.stop();
    expect(codes).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 0])));
  });
});
