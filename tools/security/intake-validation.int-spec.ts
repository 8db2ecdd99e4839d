import { DateTime } from 'luxon';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
const PHONE = '13700005678';

const complaint = (overrides: Record<string, unknown> = {}, complainant: Record<string, unknown> = {}) => ({
  channel: 'regulator',
  complainant: { customerId: 'C-700', name: '钱七', phone: PHONE, ...complainant },
  description: '信用卡年费被重复收取。',
  preferredReplyChannel: 'sms',
  ...overrides,
});

/** Values the intake API took before, and must refuse with a 400 naming the field. */
const HOSTILE_COMPLAINTS: [string, Record<string, unknown>, string][] = [
  ['a blank customerId', complaint({}, { customerId: '   ' }), 'complainant.customerId'],
  ['a zero-width customerId', complaint({}, { customerId: '\u200b' }), 'complainant.customerId'],
  ['a phone without digits', complaint({}, { phone: '-----' }), 'complainant.phone'],
  ['a null phone', complaint({}, { phone: null }), 'complainant.phone'],
  ['a null age band (an event schema refused it: 500)', complaint({ vulnerability: { ageBand: null } }), 'vulnerability.ageBand'],
  ['an invented currency', complaint({ amountInDispute: { amountMinor: 100, currency: 'ZZZ' } }), 'amountInDispute.currency'],
  ['the "no currency" code', complaint({ amountInDispute: { amountMinor: 100, currency: 'XXX' } }), 'amountInDispute.currency'],
  ['an incident in the year 9999', complaint({ occurredAt: '9999-12-31T23:59:59Z' }), 'occurredAt'],
  ['an incident dated by ISO week (read as no date: 500)', complaint({ occurredAt: '2026-W47-1' }), 'occurredAt'],
  ['a regulator receipt in 2999', complaint({ channelContext: { referralReceivedAt: '2999-01-01' } }), 'channelContext.referralReceivedAt'],
  ['a regulator deadline already past', complaint({ regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-000900', deadline: '2000-01-01' } }), 'regulatorReferral.deadline'],
  ['a description of spaces', complaint({ description: '   ' }), 'description'],
  ['a description of zero-width characters', complaint({ description: '\u200b\u200c\u200d\u2060\ufeff' }), 'description'],
  ['a C1 control in the description', complaint({ description: '扣款\u009b31m两次' }), 'description'],
  ['a C1 next line in the name', complaint({}, { name: '钱\u0085七' }), 'complainant.name'],
];

/** The intake API refuses, with the field's path, what the hostile-input review found it took. */
describe('intake: request validation', () => {
  let service: ServiceUnderTest;
  let regulator: string;

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: regulator, ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  };
  const expectRefusedAt = (res: Awaited<ReturnType<typeof call>>, path: string) => {
    expect({ status: res.status, type: res.type.split(';')[0], paths: (res.body?.errors ?? []).map((e: { path: string }) => e.path) }).toEqual({
      status: 400,
      type: 'application/problem+json',
      paths: expect.arrayContaining([path]),
    });
  };

  beforeAll(async () => {
    service = await startInProcess(intake);
    regulator = `Bearer ${await service.issuer.token('channel-adapter', { channel: 'regulator' })}`;
  });
  afterAll(() => service?.stop());

  it.each(HOSTILE_COMPLAINTS)('refuses a complaint with %s, naming the field, and stores nothing', async (_what, body, path) => {
    const before = await service.rowCounts();
    expectRefusedAt(await call('POST', '/v1/complaints', body), path);
    expect(await service.rowCounts()).toEqual(before);
  });

  describe("a regulator's deadline without a time zone, read where the regulator counts (cn-cbirc: Beijing)", () => {
    const beijingDate = (days: number) => DateTime.now().setZone('Asia/Shanghai').plus({ days }).toISODate()!;
    const referral = (caseNumber: string, deadline: string) => complaint({ regulatorReferral: { body: 'nfra', caseNumber, deadline } });
    const sentDeadline = async (complaintId: string) => {
      const { rows } = await service.pg.query(`SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' -> 'regulatorReferral' ->> 'deadline' AS deadline FROM "${service.schema}".outbox WHERE message_key = $1 AND convert_from(value, 'UTF8')::jsonb ->> 'type' = 'complaint.received'`, [complaintId]);
      return rows[0]?.deadline;
    };

    it.each([
      ['a date alone runs to the end of that day in Beijing', '12378-2026-000950', 5, '', 'T15:59:59.999Z'],
      ["today's date still has the rest of Beijing's day to run", '12378-2026-000951', 0, '', 'T15:59:59.999Z'],
      ['a date and time without an offset is Beijing time', '12378-2026-000952', 5, 'T17:00', 'T09:00:00.000Z'],
    ])('%s', async (_what, caseNumber, days, time, utc) => {
      const day = beijingDate(days);
      const res = await call('POST', '/v1/complaints', referral(caseNumber, `${day}${time}`));
      expect(res.status).toBe(201);
      expect(res.body.responseDueBy).toBe(`${day}${utc}`);
      expect(await sentDeadline(res.body.complaintId)).toBe(`${day}${utc}`);
    });

    it("refuses yesterday's date: the day is over in Beijing, though not yet everywhere", async () => {
      const before = await service.rowCounts();
      expectRefusedAt(await call('POST', '/v1/complaints', referral('12378-2026-000960', beijingDate(-1))), 'regulatorReferral.deadline');
      expect(await service.rowCounts()).toEqual(before);
    });
  });

  it('still files the complaint those were made from', async () => {
    const deadline = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const res = await call('POST', '/v1/complaints', complaint({
      occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
      amountInDispute: { amountMinor: 30000, currency: 'CNY' },
      regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-000901', deadline },
      channelContext: { referralReceivedAt: new Date().toISOString() },
    }));
    expect(res.status).toBe(201);
    expect(res.body.responseDueBy).toBe(deadline);
  });

  describe('on a filed complaint', () => {
    let ticketNumber: string;
    const proof = { 'x-proof-of-identity': PHONE.slice(-4) };

    beforeAll(async () => {
      const filed = await call('POST', '/v1/complaints', complaint());
      expect(filed.status).toBe(201);
      ticketNumber = filed.body.ticketNumber;
    });

    it.each(['phone', 'email', 'preferredReplyChannel', 'language', 'description'])('refuses an amendment of %s to null, and changes nothing', async (field) => {
      const before = await service.rowCounts();
      expectRefusedAt(await call('POST', `/v1/complaints/${ticketNumber}/amendments`, { [field]: null }, proof), field);
      expect(await service.rowCounts()).toEqual(before);
      // The phone is still the proof: nothing was erased.
      expect((await fetch(`${service.baseUrl}/v1/complaints/${ticketNumber}`, { headers: { authorization: regulator, ...proof } })).status).toBe(200);
    });

    it.each([
      ['amendments', { description: '\u200b' }, 'description'],
      ['amendments', { phone: '-----' }, 'phone'],
      ['supplements', { text: '   ' }, 'text'],
      ['withdrawal', { reason: '\u200b\ufeff' }, 'reason'],
    ])('refuses the blank %s %j, and changes nothing', async (route, body, path) => {
      const before = await service.rowCounts();
      expectRefusedAt(await call('POST', `/v1/complaints/${ticketNumber}/${route}`, body, proof), path);
      expect(await service.rowCounts()).toEqual(before);
    });
  });
});
