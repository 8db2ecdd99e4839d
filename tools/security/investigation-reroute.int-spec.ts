import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { EventDefinition, EventPayload, Events } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(90_000);

/** A re-triage after the case opened moves the case; investigation follows triage's events through the broker. */
describe('investigation follows a re-triage', () => {
  let investigation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!);
    producer = quietKafka('reroute-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await investigation?.stop();
  });

  const send = async <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>) => {
    const envelope = { eventId: randomUUID(), type: definition.type, version: definition.version, occurredAt: new Date().toISOString(), complaintId, correlationId: `reroute-${complaintId}`, causationId: null, producer: 'triage', payload };
    await producer.send({ topic: `${investigation.topicPrefix}${definition.topic}`, messages: [{ key: complaintId, value: JSON.stringify(envelope) }] });
  };
  const casesOf = async (complaintId: string) => {
    const token = await investigation.issuer.token('investigator');
    const res = await fetch(`${investigation.baseUrl}/v1/cases?complaintId=${complaintId}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as { department: string; severity: string; status: string }[];
  };

  it('moves an open case to the new department and severity, and leaves a closed one where it was', async () => {
    const open = randomUUID();
    const ticketNumber = 'CMP-20261123-00000042-7';
    const triaged = { ticketNumber, category: 'C03', severity: 'low' as const, department: 'operations', routingRule: 'cn-jrt0169@v1#transactions', reasons: [], regime: 'cn-cbirc' as const, responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString() };
    await send(Events.ComplaintTriaged, open, triaged);
    await eventually(async () => (await casesOf(open)).length === 1 || null, { what: 'the case to open' });
    const retriaged = {
      ticketNumber,
      previous: { product: 'B01', cause: 'C03', severity: 'low' as const, department: 'operations' },
      current: { product: 'B03', cause: 'C01', severity: 'high' as const, department: 'branch-management' },
      routingRule: 'cn-jrt0169@v1#attitude-and-service',
      reason: '实为柜员态度问题',
      actor: 'triage-officer-1',
    };
    // v1 (the reason digit-masked in clear), as published before v2 sealed it: still read.
    await send(Events.ComplaintRetriagedV1, open, retriaged);
    const moved = await eventually(async () => {
      const [c] = await casesOf(open);
      return c.department === 'branch-management' ? c : null;
    }, { what: 'the case to move' });
    expect(moved).toMatchObject({ department: 'branch-management', severity: 'high', status: 'awaiting-assignment' });

    const withdrawn = randomUUID();
    await send(Events.ComplaintTriaged, withdrawn, triaged);
    await eventually(async () => (await casesOf(withdrawn)).length === 1 || null, { what: 'the second case to open' });
    await send(Events.ComplaintWithdrawn, withdrawn, { ticketNumber, withdrawnAt: new Date().toISOString(), reason: null });
    await eventually(async () => (await casesOf(withdrawn))[0].status === 'withdrawn' || null, { what: 'the case to end' });
    // v2: the officer's reason sealed with the platform's PII keys, which investigation does not need to read it.
    const sealedReason = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false }).encrypt('王建国先生说明是柜员态度问题');
    await send(Events.ComplaintRetriaged, withdrawn, { ...retriaged, reason: sealedReason });
    // The re-triage of the ended case is handled (and changes nothing) before this later event is.
    await send(Events.ComplaintRetriaged, open, { ...retriaged, reason: sealedReason, current: { ...retriaged.current, severity: 'critical' } });
    await eventually(async () => (await casesOf(open))[0].severity === 'critical' || null, { what: 'the later event to be handled' });
    expect((await casesOf(withdrawn))[0]).toMatchObject({ department: 'operations', severity: 'low', status: 'withdrawn' });
  });
});
