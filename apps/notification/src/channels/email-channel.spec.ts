import { AddressInfo, createServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { TransientDeliveryError, UndeliverableError } from './delivery-channel';
import { EmailChannel, emailMessageId, senderDomain, TICKET_HEADER } from './email-channel';
import { SAMPLE_TICKET, ZH_FINAL_RESPONSE_BODY, zhFinalResponse } from './testing/sample-messages';

const FROM = '示例银行客户服务 <complaints@bank.example>';
const REJECTED = 'nobody@example.cn';
const DEFERRED = 'busy@example.cn';
/** Refused for now with a reply quoting the address, as Postfix does (`450 4.1.2 <...>: Recipient address rejected`). */
const DEFERRED_QUOTED = 'zhang.san@x.cn';

interface LocalSmtp {
  port: number;
  received: Buffer[];
  envelopes: string[][];
  close(): Promise<void>;
}

async function startSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<LocalSmtp> {
  const received: Buffer[] = [];
  const envelopes: string[][] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === REJECTED) return callback(Object.assign(new Error('5.1.1 <nobody@example.cn>: user unknown'), { responseCode: 550 }));
      if (address.address === DEFERRED) return callback(Object.assign(new Error('4.2.1 mailbox busy, try again later'), { responseCode: 451 }));
      if (address.address === DEFERRED_QUOTED) {
        return callback(Object.assign(new Error(`4.1.2 <${DEFERRED_QUOTED}>: Recipient address rejected: Domain not found (call 13900001111)`), { responseCode: 450 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        envelopes.push(session.envelope.rcptTo.map((r) => r.address));
        callback(null, 'OK: queued as 4XyZ9');
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, envelopes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nobody listens on: bound, noted, released. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const channelFor = (port: number) =>
  new EmailChannel({ transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5_000, greetingTimeout: 5_000 }, from: FROM });

describe('EmailChannel', () => {
  let smtp: LocalSmtp;

  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('sends a Chinese final response whose subject and text arrive unchanged, in UTF-8, with the Message-ID and ticket header', async () => {
    const message = zhFinalResponse();
    const channel = new EmailChannel({ url: `smtp://127.0.0.1:${smtp.port}`, from: FROM });
    const result = await channel.deliver(message);
    channel.close();

    expect(result).toEqual({ status: 'sent', providerReference: `<${message.messageId}@bank.example>`, detail: expect.stringContaining('4XyZ9') });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.envelopes[0]).toEqual([message.to.email]);
    const raw = smtp.received[0];
    const parsed = await simpleParser(raw);
    expect(Buffer.from(parsed.subject ?? '', 'utf8').equals(Buffer.from(message.subject, 'utf8'))).toBe(true);
    expect(Buffer.from(parsed.text ?? '', 'utf8').equals(Buffer.from(ZH_FINAL_RESPONSE_BODY, 'utf8'))).toBe(true);
    const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(contentType.value).toBe('text/plain');
    expect(contentType.params.charset.toLowerCase()).toBe('utf-8');
    expect(parsed.messageId).toBe(`<${message.messageId}@bank.example>`);
    expect(parsed.headers.get(TICKET_HEADER.toLowerCase())).toBe(SAMPLE_TICKET);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : null).toEqual({ name: '张秀英', address: message.to.email });
    expect(parsed.from?.value[0]).toEqual({ name: '示例银行客户服务', address: 'complaints@bank.example' });
    // the headers themselves are 7-bit: the Chinese subject travels as encoded words
    const headerBlock = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(headerBlock).toMatch(/^Subject: =\?UTF-8\?/im);
  });

  it('gives a retry the same Message-ID', async () => {
    const message = zhFinalResponse({ messageId: '0c9e4b1d-2a3f-4e5d-8b7c-6a5f4e3d2c1b' });
    const channel = channelFor(smtp.port);
    const before = smtp.received.length;
    await channel.deliver(message);
    await channel.deliver(message);
    const ids = await Promise.all(smtp.received.slice(before).map(async (raw) => (await simpleParser(raw)).messageId));
    expect(ids).toEqual([`<${message.messageId}@bank.example>`, `<${message.messageId}@bank.example>`]);
  });

  it('reports a recipient the server refuses with 550 as bounced, with the server’s reason', async () => {
    const result = await channelFor(smtp.port).deliver(zhFinalResponse({ to: { email: REJECTED } }));
    expect(result.status).toBe('bounced');
    expect(result.detail).toMatch(/^550 .*user unknown/);
  });

  it('treats a 4xx deferral of the recipient as transient', async () => {
    await expect(channelFor(smtp.port).deliver(zhFinalResponse({ to: { email: DEFERRED } }))).rejects.toThrow(TransientDeliveryError);
  });

  it('masks the address and numbers a 4xx reply quotes in the error, and keeps no raw error as its cause', async () => {
    const error: unknown = await channelFor(smtp.port)
      .deliver(zhFinalResponse({ to: { name: '张三', email: DEFERRED_QUOTED } }))
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    const { message, cause } = error as TransientDeliveryError;
    expect(message).toMatch(/^SMTP: .*450 4\.1\.2 .*Recipient address rejected: Domain not found/);
    expect(message).not.toMatch(/zhang\.san|x\.cn|13900001111/);
    expect(cause).toBeUndefined();
  });

  it('masks the address a 5xx bounce quotes in its detail', async () => {
    const result = await channelFor(smtp.port).deliver(zhFinalResponse({ to: { email: REJECTED } }));
    expect(result.status).toBe('bounced');
    expect(result.detail).toContain('user unknown');
    expect(result.detail).not.toContain('nobody');
  });

  it('treats a server that answers 421 as transient', async () => {
    const busy = await startSmtp({
      onConnect(_session, callback) {
        callback(Object.assign(new Error('4.3.2 service not available, closing channel'), { responseCode: 421 }));
      },
    });
    try {
      const attempt = channelFor(busy.port).deliver(zhFinalResponse());
      await expect(attempt).rejects.toThrow(TransientDeliveryError);
      await expect(attempt).rejects.toThrow(/421/);
      expect(busy.received).toHaveLength(0);
    } finally {
      await busy.close();
    }
  });

  it('treats a server that is down as transient', async () => {
    await expect(channelFor(await deadPort()).deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('cannot deliver to a recipient without an email address', async () => {
    const before = smtp.received.length;
    await expect(channelFor(smtp.port).deliver(zhFinalResponse({ to: { phone: '+8613800138000', email: null } }))).rejects.toThrow(UndeliverableError);
    await expect(channelFor(smtp.port).deliver(zhFinalResponse({ to: { email: '   ' } }))).rejects.toThrow(UndeliverableError);
    expect(smtp.received.length).toBe(before);
  });
});

describe('emailMessageId', () => {
  it('takes the domain from the sender address, with or without a display name', () => {
    expect(senderDomain('"Bank" <Complaints@Bank.Example>')).toBe('bank.example');
    expect(senderDomain('complaints@bank.example')).toBe('bank.example');
    expect(senderDomain('no address')).toBe('complaints.local');
    expect(emailMessageId('abc', 'x@y.cn')).toBe('<abc@y.cn>');
  });
});
