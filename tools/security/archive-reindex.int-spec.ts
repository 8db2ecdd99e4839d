/**
 * `npm run archive:reindex` on a running archive: index rows a replica of an earlier version left
 * out or wrote the old way during a rolling update are caught up from the archived entries.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { validateEnvelope, TOPICS } from '@complaints/contracts';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { reindexArchive } from '../archive-index/reindex';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

describe('archive:reindex', () => {
  let archive: ServiceUnderTest;

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { PII_KEYS: `t1:${randomBytes(32).toString('base64')}` });
  });
  afterAll(() => archive?.stop());

  it('restores index rows and remedies from the entries, and a second run changes nothing', async () => {
    const complaintId = randomUUID();
    const receivedAt = '2026-03-02T02:00:00.000Z';
    const envelope = (type: string, occurredAt: string, payload: Record<string, unknown>) => {
      const e = { eventId: randomUUID(), type, version: 1, occurredAt, complaintId, correlationId: `reindex-${complaintId}`, causationId: null, producer: type.split('.')[0], payload };
      const verdict = validateEnvelope(e);
      if (!verdict.ok) throw new Error(`${type}: ${verdict.detail}`);
      return e;
    };
    const events: [string, ReturnType<typeof envelope>][] = [
      [TOPICS.intake, envelope('complaint.received', receivedAt, {
        ticketNumber: 'CMP-20260302-00000001-1', channel: 'web', channelReference: null, receivedAt, customerRef: 'cust_reindex', productHint: null, summary: '已脱敏',
        language: 'zh-CN', amountInDispute: null, preferredReplyChannel: 'email', regime: 'cn-cbirc', responseDueBy: '2026-03-17T15:59:59.999Z',
      })],
      [TOPICS.compensation, envelope('remedy.proposed', '2026-03-05T02:00:00.000Z', { remedyId: randomUUID(), caseId: randomUUID(), type: 'fee-refund', amount: { amountMinor: 12_000, currency: 'CNY' } })],
    ];
    let offset = 0;
    for (const [topic, e] of events) expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(e, offset++))).toBe('handled');
    const row = async () =>
      (await archive.pg.query(`SELECT ticket_number, redress_minor::int AS redress FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1`, [complaintId])).rows[0];
    expect(await row()).toEqual({ ticket_number: 'CMP-20260302-00000001-1', redress: 12_000 });

    // What an earlier replica's projection may leave behind: the rows missing.
    await archive.pg.query(`DELETE FROM "${archive.schema}".archive_complaint_index_remedies WHERE complaint_id = $1`, [complaintId]);
    await archive.pg.query(`DELETE FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1`, [complaintId]);
    expect(await row()).toBeUndefined();

    expect(await reindexArchive(archive.running.dataSource)).toBeGreaterThanOrEqual(2);
    expect(await row()).toEqual({ ticket_number: 'CMP-20260302-00000001-1', redress: 12_000 });
    await reindexArchive(archive.running.dataSource);
    expect(await row()).toEqual({ ticket_number: 'CMP-20260302-00000001-1', redress: 12_000 });
  });
});
