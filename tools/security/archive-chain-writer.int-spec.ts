/**
 * The archive appending more events in one transaction than one INSERT takes (ChainWriter writes
 * them in slices): every event linked in order, the head moved to the last, the chain intact.
 */
import { EventEnvelope } from '@complaints/contracts';
import { EventContext, OutboxPublisher, TransactionScope } from '@complaints/messaging';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { ComplianceArchive } from '../../apps/compliance-archive/src/archive/archive.controller';
import { sampleEnvelopes } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

// More than 65,535 parameters in one statement at 14 an entry: without slices PostgreSQL refuses the insert.
const EVENTS = 5_000;

describe('compliance archive: one transaction archiving more events than one insert takes', () => {
  let archive: ServiceUnderTest;

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService);
  });
  afterAll(() => archive?.stop());

  it(`links ${EVENTS} events in order, moves the head to the last and keeps the chain intact`, async () => {
    const events = sampleEnvelopes(EVENTS) as unknown as EventEnvelope[];
    const controller = archive.running.app.get(ComplianceArchive);
    const publisher = new OutboxPublisher('compliance-archive', archive.topicPrefix, archive.schema);
    // As the transport hands a partition's records to the handler when they share a transaction.
    await archive.running.dataSource.transaction(async (manager) => {
      const scope = new TransactionScope();
      for (const [i, event] of events.entries()) {
        await controller.appendToRecord(event, new EventContext(event, manager, { topic: 'direct', partition: 0, offset: String(i) }, publisher, scope));
      }
      await scope.finish();
    });

    const { rows } = await archive.pg.query(`SELECT seq::int AS seq, event_id FROM "${archive.schema}".archive_entries ORDER BY seq`);
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
    expect(rows.map((r) => r.seq)).toEqual(events.map((_, i) => i + 1));
    const head = await archive.pg.query(`SELECT seq::int AS seq FROM "${archive.schema}".chain_head`);
    expect(head.rows).toEqual([{ seq: EVENTS }]);
    const officer = await archive.issuer.token('compliance-officer');
    const res = await fetch(`${archive.baseUrl}/v1/archive/integrity`, { headers: { authorization: `Bearer ${officer}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ intact: true, entries: EVENTS });
  });
});
