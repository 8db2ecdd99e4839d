import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { formatTicketNumber } from '@complaints/domain';
import { signWebhook } from '@complaints/platform';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
/** Each signing channel's own secret: the service refuses to start with one shared by two channels. */
const SECRETS: Record<string, Buffer> = { web: randomBytes(32), email: randomBytes(32), regulator: randomBytes(32) };
const STORE = fs.mkdtempSync(path.join(os.tmpdir(), 'attachments-'));
/** The bank's mail gateway, as it names itself in the Authentication-Results it adds (EMAIL_AUTHSERV_IDS). */
const MAIL_GATEWAY = 'mail-gw.bank.example';

const canonical = (overrides: Record<string, unknown> = {}) => ({
  channel: 'web',
  complainant: { customerId: 'C-500', name: '孙七', phone: '13600001111' },
  description: '信用卡分期手续费与宣传不符。',
  preferredReplyChannel: 'sms',
  ...overrides,
});

/** intake's answers to ticket numbers, channels and retries, over HTTP against the real database. */
describe('intake: tickets, channels and retries', () => {
  let service: ServiceUnderTest;
  let adapter: string;

  const signedPost = (channel: string, body: string, contentType = 'application/json', nonce = randomBytes(12).toString('hex')) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return fetch(`${service.baseUrl}/v1/channels/${channel}/inbound`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-signature-timestamp': String(timestamp),
        'x-signature-nonce': nonce,
        'x-signature': signWebhook(SECRETS[channel] ?? SECRETS.web, timestamp, nonce, body),
      },
      body,
    });
  };
  const row = async (complaintId: string) =>
    (await service.pg.query(`SELECT * FROM "${service.schema}".complaints WHERE id = $1`, [complaintId])).rows[0] as Record<string, unknown>;

  beforeAll(async () => {
    service = await startInProcess(intake, {
      WEBHOOK_SECRETS: Object.entries(SECRETS).map(([channel, secret]) => `${channel}:${secret.toString('base64')}`).join(','),
      ATTACHMENT_STORE_DIR: STORE,
      WECHAT_TOKEN: 'wechat-token-of-this-bank',
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      EMAIL_AUTHSERV_IDS: MAIL_GATEWAY,
    });
    adapter = `Bearer ${await service.issuer.token('channel-adapter', { channel: 'web' })}`;
  });
  afterAll(async () => {
    await service?.stop();
    fs.rmSync(STORE, { recursive: true, force: true });
  });

  it('turns 50 concurrent requests with one idempotency key into one complaint and 50 identical answers', async () => {
    const before = (await service.rowCounts()).complaints;
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${service.baseUrl}/v1/complaints`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: adapter, 'idempotency-key': 'retry-storm-1' },
          body: JSON.stringify(canonical()),
        });
        return { status: res.status, body: await res.text() };
      }),
    );
    expect((await service.rowCounts()).complaints - before).toBe(1);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(JSON.parse(answers[0].body)).toEqual({
      complaintId: expect.any(String),
      ticketNumber: expect.stringMatching(/^CMP-\d{8}-\d{8}-\d$/),
      status: 'received',
      receivedAt: expect.any(String),
      responseDueBy: expect.any(String),
      regime: 'cn-cbirc',
    });
  });

  it('answers a repeat that comes after the complaint moved on with the status the first answer gave, and the due date that stands now', async () => {
    const post = () =>
      fetch(`${service.baseUrl}/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: adapter, 'idempotency-key': 'late-retry-1' },
        body: JSON.stringify(canonical()),
      });
    const first = (await (await post()).json()) as { complaintId: string; status: string; responseDueBy: string };
    expect(first.status).toBe('received');
    // Triaged and extended since, as intake's status tracker records it.
    const extendedTo = new Date(Date.parse(first.responseDueBy) + 15 * 86_400_000);
    await service.pg.query(`UPDATE "${service.schema}".complaints SET status = 'triaged', response_due_by = $2 WHERE id = $1`, [first.complaintId, extendedTo]);
    const repeat = await post();
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await repeat.json()).toEqual({ ...first, status: 'received', responseDueBy: extendedTo.toISOString() });
  });

  it('refuses a different complaint sent under an idempotency key already used, and still answers the same one with its ticket', async () => {
    const post = (body: unknown) =>
      fetch(`${service.baseUrl}/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: adapter, 'idempotency-key': 'reused-key-1' },
        body: JSON.stringify(body),
      });
    const first = await post(canonical());
    expect(first.status).toBe(201);
    const ticket = ((await first.json()) as { ticketNumber: string }).ticketNumber;
    const before = (await service.rowCounts()).complaints;
    // The same request with its keys in another order is the same request.
    const { description, ...rest } = canonical();
    const retried = await post({ description, ...rest });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retried.json()) as { ticketNumber: string }).ticketNumber).toBe(ticket);
    const different = await post(canonical({ description: 'A different complaint: my card was charged twice for one purchase.' }));
    expect(different.status).toBe(422);
    expect(different.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await different.json()) as { type: string }).type).toMatch(/idempotency-key-reused$/);
    expect((await service.rowCounts()).complaints).toBe(before);
  });

  it('files a channel message once when the channel retries it concurrently (same message id, fresh signatures)', async () => {
    const before = (await service.rowCounts()).complaints;
    const form = JSON.stringify({ formId: 'WEB-retry-7', customer: { customerNo: 'C-501', name: '周八', mobile: '13500005555' }, content: '网银转账失败但已扣款。', replyVia: 'sms' });
    const answers = await Promise.all(Array.from({ length: 20 }, async () => (await signedPost('web', form)).text()));
    expect((await service.rowCounts()).complaints - before).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('reports a ticket number with one digit changed as invalid, never as someone else\'s', async () => {
    const filed = await fetch(`${service.baseUrl}/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: adapter },
      body: JSON.stringify(canonical()),
    });
    const { ticketNumber } = (await filed.json()) as { ticketNumber: string };
    const staff = `Bearer ${await service.issuer.token('investigator')}`;
    expect((await fetch(`${service.baseUrl}/v1/complaints/${ticketNumber}`, { headers: { authorization: staff } })).status).toBe(200);
    const digits = [...ticketNumber].map((c, i) => (/\d/.test(c) ? i : -1)).filter((i) => i >= 0);
    let tried = 0;
    for (const i of digits) {
      const changed = ticketNumber.slice(0, i) + String((Number(ticketNumber[i]) + 1) % 10) + ticketNumber.slice(i + 1);
      const res = await fetch(`${service.baseUrl}/v1/complaints/${changed}`, { headers: { authorization: staff } });
      const body = (await res.json()) as { errors?: { message: string }[] };
      expect({ changed, status: res.status }).toEqual({ changed, status: 400 });
      expect(body.errors?.[0].message).toMatch(/check digit/);
      tried += 1;
    }
    expect(tried).toBe(digits.length);
    expect(formatTicketNumber('20261123', 1)).toMatch(/^CMP-20261123-00000001-\d$/);
  });

  it('stores attachment bytes once, by content, and keeps only the reference with the complaint and none in events', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2048)]);
    const form = JSON.stringify({
      formId: 'WEB-att-1',
      customer: { customerNo: 'C-502', name: '吴九', mobile: '13500002222' },
      account: '6222 0212 3456 7890',
      content: '附件为银行流水，显示重复扣费。',
      files: [{ name: '流水.pdf', type: 'application/pdf', base64: pdf.toString('base64') }],
    });
    const res = await signedPost('web', form);
    expect(res.status).toBe(201);
    const { complaintId } = (await res.json()) as { complaintId: string };
    const stored = await row(complaintId);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    expect(stored.attachments).toEqual([{ reference: `fs:${sha256}`, sha256, sizeBytes: pdf.length, mediaType: 'application/pdf', fileName: '流水.pdf' }]);
    expect(fs.readFileSync(path.join(STORE, sha256.slice(0, 2), sha256)).equals(pdf)).toBe(true);
    // The account number is kept as its last four digits only.
    expect(stored.account_reference_masked).toBe('************7890');
    expect(JSON.stringify(stored)).not.toContain('6222021234567890');
    expect(JSON.stringify(stored)).not.toContain('6222 0212 3456 7890');
    const events = await service.pg.query(`SELECT convert_from(value, 'UTF8') AS v FROM "${service.schema}".outbox WHERE value::text <> ''`);
    const received = events.rows.map((r) => JSON.parse(r.v)).find((e) => e.complaintId === complaintId);
    expect(received.payload.attachmentCount).toBe(1);
    expect(JSON.stringify(received)).not.toContain(pdf.toString('base64').slice(0, 64));
  });

  it("answers by the regulator's deadline when it is earlier than our own", async () => {
    const deadline = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const res = await fetch(`${service.baseUrl}/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await service.issuer.token('channel-adapter', { channel: 'regulator' })}` },
      body: JSON.stringify(canonical({ channel: 'regulator', regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-000123', deadline } })),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { responseDueBy: string }).responseDueBy).toBe(deadline);
  });

  describe('regulator referrals', () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const referral = (body: string, caseNo: string, deadline: string) =>
      JSON.stringify({ referralId: `RF-${randomBytes(4).toString('hex')}`, body, caseNo, deadline, complainant: { name: '郑十二', phone: '13300003333' }, content: '投诉人反映理财产品亏损未被告知风险。' });
    const file = async (body: string, caseNo: string, deadline: string) => {
      const res = await signedPost('regulator', referral(body, caseNo, deadline));
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as { ticketNumber?: string; type?: string; detail?: string } };
    };

    it.each([
      ['two bodies without a code of ours', 'HKMA', 'SHANGHAI-OFFICE', '2026-0001'],
      ['two ombudsmen', 'OMBUDSMAN', 'FDRC', '2026-0002'],
    ])('files the cases of %s that share a case number as two complaints', async (_what, one, other, caseNo) => {
      const before = (await service.rowCounts()).complaints;
      const first = await file(one, caseNo, inDays(10));
      const second = await file(other, caseNo, inDays(10));
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.replayed).toBeNull();
      expect(second.body.ticketNumber).not.toBe(first.body.ticketNumber);
      expect((await service.rowCounts()).complaints - before).toBe(2);
    });

    it('answers a case forwarded again with its ticket, and refuses it with an earlier deadline rather than lose that deadline', async () => {
      const deadline = inDays(10);
      const first = await file('NFRA', '12378-2026-007001', deadline);
      expect(first.status).toBe(201);
      const counts = async () => {
        const { complaints, outbox } = await service.rowCounts();
        return { complaints, outbox };
      };
      const before = await counts();
      const reminder = await file('12378', '12378-2026-007001', deadline);
      expect({ status: reminder.status, replayed: reminder.replayed, ticket: reminder.body.ticketNumber }).toEqual({ status: 201, replayed: 'true', ticket: first.body.ticketNumber });
      expect((await file('NFRA', '12378-2026-007001', inDays(12))).replayed).toBe('true');
      const earlier = await file('NFRA', '12378-2026-007001', inDays(3));
      expect(earlier.status).toBe(409);
      expect(earlier.body.type).toMatch(/referral-deadline-changed$/);
      expect(earlier.body.detail).toContain(first.body.ticketNumber);
      expect(await counts()).toEqual(before);
    });

    it('refuses a referral filed by any other channel, naming the field', async () => {
      const before = await service.rowCounts();
      const res = await fetch(`${service.baseUrl}/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: adapter },
        body: JSON.stringify(canonical({ regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-000124' }, channelContext: { referralReceivedAt: new Date().toISOString() } })),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const { errors } = (await res.json()) as { errors: { path: string; message: string }[] };
      expect(errors).toEqual(expect.arrayContaining([
        { path: 'regulatorReferral', message: 'regulatorReferral is accepted only from the regulator channel' },
        { path: 'channelContext.referralReceivedAt', message: 'referralReceivedAt is accepted only from the regulator channel' },
      ]));
      expect(await service.rowCounts()).toEqual(before);
    });
  });

  describe('a retry that comes after the clock has overtaken a date of the complaint', () => {
    /** A regulator's deadline that passes moments after the complaint is first sent. */
    const deadlineInMoments = () => new Date(Date.now() + 2_000).toISOString();
    const until = (deadline: string) => new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(deadline) - Date.now() + 100)));
    const pathsOf = async (res: Response) => ((await res.json()) as { errors?: { path: string }[] }).errors?.map((e) => e.path);
    const counts = async () => {
      const { complaints, outbox } = await service.rowCounts();
      return { complaints, outbox };
    };

    it("answers the same request under the same Idempotency-Key with the original ticket once the regulator's deadline has passed, and judges any other request as of now", async () => {
      const regulator = `Bearer ${await service.issuer.token('channel-adapter', { channel: 'regulator' })}`;
      const post = (body: unknown, key: string) =>
        fetch(`${service.baseUrl}/v1/complaints`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: regulator, 'idempotency-key': key },
          body: JSON.stringify(body),
        });
      const deadline = deadlineInMoments();
      const referral = canonical({ channel: 'regulator', regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-008001', deadline } });
      const first = await post(referral, 'referral-retry-1');
      const original = await first.text();
      expect(first.status).toBe(201);
      await until(deadline);
      const before = await counts();

      const retried = await post(referral, 'referral-retry-1');
      expect({ status: retried.status, replayed: retried.headers.get('idempotent-replayed'), body: await retried.text() }).toEqual({ status: 201, replayed: 'true', body: original });
      // The same referral under a new key is a new request: its deadline has passed.
      const fresh = await post(referral, 'referral-retry-2');
      expect(fresh.status).toBe(400);
      expect(await pathsOf(fresh)).toEqual(['regulatorReferral.deadline']);
      // A different complaint under the used key is still refused as one.
      const different = await post({ ...referral, regulatorReferral: { body: 'nfra', caseNumber: '12378-2026-008001' } }, 'referral-retry-1');
      expect(different.status).toBe(422);
      expect(((await different.json()) as { type: string }).type).toMatch(/idempotency-key-reused$/);
      expect(await counts()).toEqual(before);
    });

    it("answers a referral the liaison system sends again once its deadline has passed with the original ticket, and refuses a new case with that deadline", async () => {
      const referral = (caseNo: string, deadline: string) =>
        JSON.stringify({ referralId: 'RF-retry-8002', body: 'NFRA', caseNo, deadline, complainant: { name: '冯十四', phone: '13300004444' }, content: '投诉人反映贷款提前还款违约金未事先告知。' });
      const deadline = deadlineInMoments();
      const first = await signedPost('regulator', referral('12378-2026-008002', deadline));
      const original = await first.text();
      expect(first.status).toBe(201);
      await until(deadline);
      const before = await counts();

      // The liaison system retries the very message, signed afresh.
      const retried = await signedPost('regulator', referral('12378-2026-008002', deadline));
      expect({ status: retried.status, replayed: retried.headers.get('idempotent-replayed'), body: await retried.text() }).toEqual({ status: 201, replayed: 'true', body: original });
      const newCase = await signedPost('regulator', referral('12378-2026-008003', deadline));
      expect(newCase.status).toBe(400);
      expect(await pathsOf(newCase)).toEqual(['regulatorReferral.deadline']);
      expect(await counts()).toEqual(before);
    });
  });

  it('refuses a form with 21 files, a file name too long to keep, or an incident date in the future, and stores none of their bytes', async () => {
    const files = (n: number, name = (i: number) => `scan-${i}.pdf`) =>
      Array.from({ length: n }, (_, i) => ({ name: name(i), type: 'application/pdf', base64: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64)]).toString('base64') }));
    const storedFiles = () => fs.readdirSync(STORE, { recursive: true }).length;
    const filed = async () => {
      const { complaints, outbox } = await service.rowCounts();
      return { complaints, outbox, files: storedFiles() };
    };
    const before = await filed();
    for (const [formId, form, refusedAt] of [
      ['WEB-att-21', { files: files(21) }, 'files'],
      ['WEB-att-name', { files: files(2, (i) => (i ? 'n'.repeat(1000) : 'ok.pdf')) }, 'files[1].name'],
      ['WEB-att-future', { files: files(1), occurredOn: new Date(Date.now() + 86_400_000).toISOString() }, 'occurredAt'],
    ] as const) {
      const res = await signedPost('web', JSON.stringify({ formId, customer: { customerNo: 'C-503', name: '郑十三' }, content: '附件是对账单。', ...form }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([refusedAt]);
    }
    expect(await filed()).toEqual(before);
  });

  it('files a real multipart e-mail with an RFC 2047 Chinese subject and keeps its attachment, leaving out file types it does not keep', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(512)]);
    const mime = await new MailComposer({
      from: '"钱十一" <qian.shiyi@example.cn>',
      to: 'complaints@bank.example',
      subject: '关于信用卡年费重复收取的投诉',
      text: '您好，我的信用卡年费被收取了两次，请核实并退还。',
      messageId: '<20261123.abc123@example.cn>',
      attachments: [
        { filename: '账单.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'archive.zip', content: Buffer.from('PK\u0003\u0004zip'), contentType: 'application/zip' },
      ],
    })
      .compile()
      .build();
    expect(mime.toString('latin1')).toMatch(/Subject: =\?UTF-8\?[BQ]\?/);
    // The gateway posts the message with its verdict on the sender added on top.
    const verdict = `Authentication-Results: ${MAIL_GATEWAY};\r\n\tspf=pass smtp.mailfrom=example.cn;\r\n\tdmarc=pass header.from=example.cn\r\n`;
    const res = await signedPost('email', verdict + mime.toString('latin1'), 'message/rfc822');
    // The signature is over the bytes: send exactly the bytes that were signed.
    expect(res.status).toBe(201);
    const { complaintId } = (await res.json()) as { complaintId: string };
    const staff = `Bearer ${await service.issuer.token('investigator')}`;
    const view = (await (await fetch(`${service.baseUrl}/v1/staff/complaints/${complaintId}`, { headers: { authorization: staff } })).json()) as {
      description: string;
      complainant: { email: string; name: string };
      attachments: { fileName: string; mediaType: string; sha256: string }[];
      language: string;
    };
    expect(view.description.startsWith('关于信用卡年费重复收取的投诉')).toBe(true);
    expect(view.description).toContain('请核实并退还');
    expect(view.description).toContain('archive.zip (application/zip): not kept');
    expect(view.complainant).toMatchObject({ email: 'qian.shiyi@example.cn', name: '钱十一' });
    expect(view.language).toBe('zh-CN');
    expect(view.attachments).toEqual([expect.objectContaining({ fileName: '账单.pdf', mediaType: 'application/pdf', sha256: createHash('sha256').update(pdf).digest('hex') })]);
  });

  it("refuses an e-mail whose From the bank's mail gateway did not authenticate, naming the header, and files nothing", async () => {
    const mime = (
      await new MailComposer({ from: 'qian.shiyi@example.cn', subject: '投诉', text: '请退还年费。', messageId: '<20261123.forged1@example.cn>' }).compile().build()
    ).toString('latin1');
    const before = (await service.rowCounts()).complaints;
    for (const verdict of [
      '',
      // Written by the sender's own server: not the gateway's to vouch for.
      'Authentication-Results: mx.attacker.example; dmarc=pass header.from=example.cn\r\n',
      `Authentication-Results: ${MAIL_GATEWAY}; dmarc=pass header.from=attacker.example\r\n`,
      `Authentication-Results: ${MAIL_GATEWAY}; dmarc=fail header.from=example.cn\r\n`,
    ]) {
      const res = await signedPost('email', verdict + mime, 'message/rfc822');
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { detail: string; errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toEqual(['Authentication-Results']);
      expect(problem.detail).not.toContain('example.cn');
    }
    expect((await service.rowCounts()).complaints).toBe(before);
  });

  it('refuses a WeChat push with a forged signature', async () => {
    const xml = '<xml><ToUserName>gh_bank</ToUserName><FromUserName>oUser123</FromUserName><CreateTime>1763884800</CreateTime><MsgType>text</MsgType><Content>投诉</Content><MsgId>1234567890123456</MsgId></xml>';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const query = new URLSearchParams({ signature: 'f'.repeat(40), timestamp, nonce: '1234567890', msg_signature: 'e'.repeat(40) });
    const before = (await service.rowCounts()).complaints;
    const res = await fetch(`${service.baseUrl}/v1/channels/wechat/inbound?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await service.rowCounts()).complaints).toBe(before);
  });

  it('gives one customer one reference, and never shares one between two people who give only a name or whose identifiers of different kinds are equal', async () => {
    const refOf = async (complainant: Record<string, string>) => {
      // Answered where the complainant can be reached: a letter for those who give a name and an address only.
      const preferredReplyChannel = complainant.phone ? 'sms' : complainant.customerId ? 'app' : 'letter';
      const res = await fetch(`${service.baseUrl}/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: adapter },
        body: JSON.stringify(canonical({ complainant, preferredReplyChannel })),
      });
      expect(res.status).toBe(201);
      return (await row(((await res.json()) as { complaintId: string }).complaintId)).customer_ref as string;
    };
    // A postal address identifies nobody: a household shares it.
    const caller1 = await refOf({ name: '王芳', postalAddress: '杭州市西湖区文三路90号' });
    const caller2 = await refOf({ name: '王芳', postalAddress: '杭州市西湖区文三路90号' });
    expect(caller1).toMatch(/^cust_[0-9a-f]{24}$/);
    expect(caller2).not.toBe(caller1);
    expect(await refOf({ customerId: '13900007777', name: '李雷' })).not.toBe(await refOf({ phone: '13900007777', name: '韩梅梅' }));
    expect(await refOf({ customerId: 'C-777', name: '李雷' })).toBe(await refOf({ customerId: 'C-777', phone: '13900008888' }));
  });

  it('refuses unknown channels with 404 and payloads of the wrong media type with 415', async () => {
    const unknown = await signedPost('fax', '{}');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { type: string }).type).toMatch(/unknown-channel$/);
    const xml = await signedPost('web', '<form/>', 'application/xml');
    expect(xml.status).toBe(415);
  });
});
