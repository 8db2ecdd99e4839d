import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { formatTicketNumber } from '@complaints/domain';
import { signWebhook } from '@complaints/platform';
import { ServiceUnderTest, startInProcess, ALL_SERVICES } from './services-in-process';

jest.setTimeout(120_000);

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
const UNKNOWN_TICKET = formatTicketNumber('20260101', 99);
const CONSOLE = 'https://console.bank.example';
const WEB_SECRET = randomBytes(32);

const complaint = (customerId: string, channel = 'web') => ({
  channel,
  complainant: { customerId, name: '赵六', phone: '13700001111' },
  description: '转账到账延迟。',
  preferredReplyChannel: 'sms',
});

describe('intake hardening: limits, headers, CORS, ownership and webhook replays', () => {
  let service: ServiceUnderTest;
  const post = async (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${service.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const bearer = async (role: Parameters<ServiceUnderTest['issuer']['token']>[0], options: Parameters<ServiceUnderTest['issuer']['token']>[1] = {}) => ({
    authorization: `Bearer ${await service.issuer.token(role, options)}`,
  });

  beforeAll(async () => {
    service = await startInProcess(intake, {
      LOOKUP_RATE_LIMIT_PER_MINUTE: '3',
      CORS_ORIGINS: CONSOLE,
      WEBHOOK_SECRETS: `web:${WEB_SECRET.toString('base64')}`,
    });
  });
  afterAll(() => service?.stop());

  it('lets a customer see only their own complaint', async () => {
    const filed = await post('/v1/complaints', complaint('C-77'), await bearer('channel-adapter', { channel: 'web' }));
    expect(filed.status).toBe(201);
    const { ticketNumber } = (await filed.json()) as { ticketNumber: string };
    const own = await fetch(`${service.baseUrl}/v1/complaints/${ticketNumber}`, { headers: await bearer('customer', { subject: 'C-77' }) });
    expect(own.status).toBe(200);
    const other = await fetch(`${service.baseUrl}/v1/complaints/${ticketNumber}`, { headers: await bearer('customer', { subject: 'C-78' }) });
    expect(other.status).toBe(404);
  });

  it('refuses an adapter filing for another channel', async () => {
    const res = await post('/v1/complaints', complaint('C-1', 'wechat'), await bearer('channel-adapter', { channel: 'web' }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: expect.stringMatching(/wrong-channel$/) });
  });

  it('limits status lookups per customer, and not per staff member', async () => {
    const customer = await bearer('customer', { subject: 'C-limited' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${service.baseUrl}/v1/complaints/${UNKNOWN_TICKET}`, { headers: customer });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    const staff = await bearer('investigator');
    for (let i = 0; i < 6; i += 1) {
      expect((await fetch(`${service.baseUrl}/v1/complaints/${UNKNOWN_TICKET}`, { headers: staff })).status).toBe(404);
    }
  });

  it("gives a customer one lookup budget across every route that takes a proof of identity, not one per route", async () => {
    const customer = await bearer('customer', { subject: 'C-spread' });
    const statuses: number[] = [];
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['POST', '/supplements', { text: '补充' }],
      ['POST', '/amendments', { language: 'en' }],
      ['POST', '/withdrawal', {}],
    ] as const) {
      const res = await fetch(`${service.baseUrl}/v1/complaints/${UNKNOWN_TICKET}${path}`, {
        method,
        headers: { ...customer, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
  });

  it('sends security headers and answers CORS only for the configured origin', async () => {
    const res = await fetch(`${service.baseUrl}/health/live`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const preflight = (origin: string) =>
      fetch(`${service.baseUrl}/v1/complaints`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight(CONSOLE);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers bodies it cannot read as JSON objects with a 4xx problem that quotes none of the body, and stores nothing', async () => {
    const adapter = await bearer('channel-adapter', { channel: 'web' });
    const send = async (body: string | Uint8Array, headers: Record<string, string>) => {
      const res = await fetch(`${service.baseUrl}/v1/complaints`, { method: 'POST', headers: { ...adapter, ...headers }, body });
      const text = await res.text();
      return { status: res.status, contentType: res.headers.get('content-type'), text, problem: JSON.parse(text) as { type: string; status: number; detail?: string } };
    };
    const json = { 'content-type': 'application/json' };
    const valid = JSON.stringify(complaint('C-body'));
    const before = await service.rowCounts();

    const gzip = await send('notgzip', { ...json, 'content-encoding': 'gzip' });
    expect([gzip.status, gzip.problem.type, gzip.problem.detail]).toEqual([400, expect.stringMatching(/malformed-body$/), expect.stringMatching(/decompressed/)]);
    expect((await send('notgzip', { ...json, 'content-encoding': 'deflate' })).status).toBe(400);
    expect((await send(valid, { ...json, 'content-encoding': 'compress' })).problem).toMatchObject({ status: 415, type: expect.stringMatching(/unsupported-encoding$/) });
    expect((await send(valid, { 'content-type': 'application/json; charset=utf-16' })).problem).toMatchObject({ status: 415, type: expect.stringMatching(/unsupported-encoding$/) });
    expect((await send(valid, { 'content-type': 'application/json; charset=ibm-1047' })).problem).toMatchObject({ status: 415, type: expect.stringMatching(/unsupported-encoding$/) });

    const malformed = await send('{"channel":"web","complainant":{"name":王秘密人,"phone":"13800138000"},"description":"x"}', json);
    expect([malformed.status, malformed.problem.type, malformed.problem.detail]).toEqual([400, expect.stringMatching(/malformed-json$/), 'the body is not valid JSON']);
    for (const value of ['王', '秘密', '13800138000', 'complainant']) expect(malformed.text).not.toContain(value);

    for (const [what, body, headers] of [
      ['text/plain', valid, { 'content-type': 'text/plain' }],
      ['a form', 'channel=web&description=x', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['XML', '<complaint><channel>web</channel></complaint>', { 'content-type': 'application/xml' }],
      ['multipart', '--b\r\nContent-Disposition: form-data; name="channel"\r\n\r\nweb\r\n--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' }],
      // fetch sets no content type for bytes.
      ['no content type', new TextEncoder().encode(valid), {}],
    ] as [string, string | Uint8Array, Record<string, string>][]) {
      const res = await send(body, headers);
      expect({ what, status: res.status, contentType: res.contentType, type: res.problem.type }).toEqual({
        what,
        status: 415,
        contentType: expect.stringMatching(/^application\/problem\+json/),
        type: expect.stringMatching(/unsupported-media-type$/),
      });
    }

    const array = await send(`[${valid}]`, json);
    expect(array.problem).toMatchObject({ status: 400, type: expect.stringMatching(/validation$/), detail: 'the body must be a JSON object' });
    expect(array.text).not.toContain('property 0');

    expect(await service.rowCounts()).toEqual(before);
    // What it still takes: JSON, JSON as gzip, and GET without a body.
    expect((await send(valid, { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(201);
    expect((await send(gzipSync(JSON.stringify(complaint('C-body-gz'))), { ...json, 'content-encoding': 'gzip' })).status).toBe(201);
    expect((await fetch(`${service.baseUrl}/v1/complaints/${UNKNOWN_TICKET}`, { headers: await bearer('investigator') })).status).toBe(404);
  });

  it('accepts a signed webhook once when the same request arrives ten times at once', async () => {
    const body = JSON.stringify({ formId: 'WEB-hook-1', customer: { customerNo: 'C-hook', name: '赵六', mobile: '13700001111' }, content: '转账到账延迟。', replyVia: 'sms' });
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(12).toString('hex');
    const headers = {
      'content-type': 'application/json',
      'x-signature-timestamp': String(timestamp),
      'x-signature-nonce': nonce,
      'x-signature': signWebhook(WEB_SECRET, timestamp, nonce, body),
    };
    const before = await service.rowCounts();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${service.baseUrl}/v1/channels/web/inbound`, { method: 'POST', headers, body }).then((r) => r.status)),
    );
    expect(answers.sort()).toEqual([201, ...Array(9).fill(401)]);
    const after = await service.rowCounts();
    expect(after.complaints - before.complaints).toBe(1);
    expect(after.webhook_nonces - before.webhook_nonces).toBe(1);
  });
});
