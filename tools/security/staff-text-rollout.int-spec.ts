import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { Events } from '@complaints/contracts';
import { maskDigitRuns } from '@complaints/domain';
import { eventually, quietKafka } from '@complaints/testing';
import { investigationClient, triagedEnvelope } from './investigation-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };

/**
 * The first step of rolling out the release that sealed staff text (docs/architecture.md, "Rolling
 * out a new version"): with STAFF_TEXT_ON_THE_WIRE=masked a service publishes the versions before
 * sealing, which replicas of the earlier release read, the words digit-masked as they were.
 */
describe('staff text while the sealing release rolls out', () => {
  let investigation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, { ...PII, TASK_CHECK_INTERVAL_MS: '0', STAFF_TEXT_ON_THE_WIRE: 'masked' });
    producer = quietKafka('staff-text-rollout-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await investigation?.stop();
  });

  const { tag, token, sql, call } = investigationClient(() => investigation);

  it('publishesTheEarlierVersions_withTheWordsDigitMasked_whileTheCaseKeepsThemSealedAndWhole', async () => {
    const department = `d-${tag()}`;
    const investigator = `inv-${tag()}`;
    expect((await call('PUT', '/v1/investigators', await token('administrator', { subject: 'admin-1' }), { staffId: investigator, department, skills: ['C03'], lineManager: null, capacity: 5, active: true })).status).toBe(200);
    const complaintId = randomUUID();
    await producer.send({
      topic: `${investigation.topicPrefix}${Events.ComplaintTriaged.topic}`,
      messages: [{ key: complaintId, value: JSON.stringify(triagedEnvelope(complaintId, { department }, 'staff-text-rollout')) }],
    });
    const handler = await token('investigator', { subject: investigator });
    const opened = await eventually(async () => (await call<{ id: string }[]>('GET', `/v1/cases?complaintId=${complaintId}`, handler)).body[0], { what: 'the case' });
    const words = '需调取王建国卡号 6222021234567890 在对方银行的日志';
    const asked = await call<{ id: string }>('POST', `/v1/cases/${opened.id}/extensions`, handler, { toPeriod: 'complex', reason: words });
    expect(asked.status).toBe(201);

    const [published] = await eventually(
      async () => {
        const rows = await sql<{ version: string; payload: { reason: string } }>(
          `SELECT headers->>'event-version' AS version, convert_from(value, 'UTF8')::jsonb->'payload' AS payload FROM outbox WHERE message_key = $1 AND headers->>'event-type' = $2`,
          [complaintId, Events.CaseExtensionRequested.type],
        );
        return rows.length ? rows : null;
      },
      { what: 'case.extension-requested in the outbox' },
    );
    expect(published).toEqual({ version: '1', payload: expect.objectContaining({ reason: maskDigitRuns(words) }) });
    // What the service keeps is sealed and whole, whatever travels.
    expect((await call<{ extensions: { reason: string }[] }>('GET', `/v1/cases/${opened.id}`, handler)).body.extensions).toEqual([expect.objectContaining({ reason: words })]);
    const [row] = await sql<{ reason: string | null; reason_sealed: string | null }>(`SELECT reason, reason_sealed FROM case_extension_requests WHERE id = $1`, [asked.body.id]);
    expect(row.reason).toBeNull();
    expect(row.reason_sealed).toMatch(/^v2:t1:/);
  });
});
