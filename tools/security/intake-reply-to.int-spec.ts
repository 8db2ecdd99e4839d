import { randomBytes } from 'node:crypto';
import { FieldCipher, signWebhook } from '@complaints/platform';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
/** The service's personal-data keys, known to the test so it can open the `replyTo` that travels sealed. */
const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const SECRETS: Record<string, Buffer> = { branch: randomBytes(32), regulator: randomBytes(32), 'mobile-app': randomBytes(32) };

const ADDRESS = '上海市浦东新区世纪大道100号\n环球金融中心25楼\n200120';
const ADDRESS_LINES = ADDRESS.split('\n');
const PHONE = '13700002468';

/**
 * The customer's chosen reply channel is honoured: intake takes a postal address, refuses a reply
 * channel the complaint gives no means for, and seals everything notification needs into `replyTo`.
 */
describe('intake: where the customer is answered (replyTo)', () => {
  let service: ServiceUnderTest;
  const cipher = FieldCipher.fromEnv(KEYS);

  const bearer = async (channel: string) => `Bearer ${await service.issuer.token('channel-adapter', { channel })}`;
  const call = async (method: string, path: string, auth: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${service.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: auth, ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], text, body: text ? JSON.parse(text) : null };
  };
  const file = async (body: Record<string, unknown>) => call('POST', '/v1/complaints', await bearer(body.channel as string), body);
  const signedPost = async (channel: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(12).toString('hex');
    const res = await fetch(`${service.baseUrl}/v1/channels/${channel}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-timestamp': String(timestamp), 'x-signature-nonce': nonce, 'x-signature': signWebhook(SECRETS[channel], timestamp, nonce, body) },
      body,
    });
    const text = await res.text();
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], body: text ? JSON.parse(text) : null };
  };
  /** The complaint's events of `type`, as intake's outbox holds them for the broker. */
  const eventsOf = async (complaintId: string, type: string) =>
    (
      await service.pg.query(`SELECT convert_from(value, 'UTF8') AS v FROM "${service.schema}".outbox WHERE message_key = $1 ORDER BY seq`, [complaintId])
    ).rows
      .map((r) => ({ raw: r.v as string, event: JSON.parse(r.v) }))
      .filter((e) => e.event.type === type);
  const replyToOf = (event: { payload: { replyTo?: string } }) => JSON.parse(cipher.decrypt(event.payload.replyTo!));
  const complaintRow = async (complaintId: string) => JSON.stringify((await service.pg.query(`SELECT * FROM "${service.schema}".complaints WHERE id = $1`, [complaintId])).rows[0]);
  /** What a refused request could have left behind: the inbound door spends the message's nonce first, by design. */
  const filings = async () => {
    const { complaints, outbox, customer_timeline } = await service.rowCounts();
    return { complaints, outbox, customer_timeline };
  };

  beforeAll(async () => {
    service = await startInProcess(intake, { ...KEYS, WEBHOOK_SECRETS: Object.entries(SECRETS).map(([channel, secret]) => `${channel}:${secret.toString('base64')}`).join(',') });
  });
  afterAll(() => service?.stop());

  it('files a complaint that asks for a letter with its postal address, and seals the address into complaint.received for notification, never in clear', async () => {
    const res = await file({
      channel: 'branch',
      complainant: { customerId: 'C-RT-1', name: '张秀英', idNumber: '31010419520512482X', postalAddress: ADDRESS },
      description: `我是张秀英，住在${ADDRESS_LINES[0]}，存折挂失后补办了三次都没办好。`,
      preferredReplyChannel: 'letter',
    });
    expect(res.status).toBe(201);
    const { complaintId } = res.body as { complaintId: string };

    const [received] = await eventsOf(complaintId, 'complaint.received');
    expect(received.event.payload.preferredReplyChannel).toBe('letter');
    expect(replyToOf(received.event)).toEqual({ name: '张秀英', phone: null, email: null, postalAddress: ADDRESS, appUserId: 'C-RT-1', wechatOpenId: null });
    // On the wire and at rest only sealed: no line of the address in the event (its summary included) or the row.
    for (const line of ADDRESS_LINES) {
      expect({ line, inEvent: received.raw.includes(line) }).toEqual({ line, inEvent: false });
      expect({ line, inRow: (await complaintRow(complaintId)).includes(line) }).toEqual({ line, inRow: false });
    }
    expect(received.event.payload.summary).toContain('存折挂失后补办了三次都没办好');

    // Staff who need personal data read it; the others get it masked.
    const view = async (role: 'investigator' | 'triage-officer') =>
      (await (await fetch(`${service.baseUrl}/v1/staff/complaints/${complaintId}`, { headers: { authorization: `Bearer ${await service.issuer.token(role)}` } })).json()) as {
        complainant: { postalAddress: string };
        description: string;
      };
    expect((await view('investigator')).complainant.postalAddress).toBe(ADDRESS);
    const masked = await view('triage-officer');
    expect(masked.complainant.postalAddress).toMatch(/^\*+0120$/);
    for (const line of ADDRESS_LINES) expect(JSON.stringify(masked)).not.toContain(line);
  });

  it("seals the app's and WeChat's addresses as the channel gives them: the customer number for the app inbox, WeChat's openid", async () => {
    const app = await file({ channel: 'mobile-app', complainant: { customerId: 'C-RT-2', name: '黄晓明' }, description: '手机银行转账两天未到账。', preferredReplyChannel: 'app' });
    expect(app.status).toBe(201);
    expect(replyToOf((await eventsOf(app.body.complaintId, 'complaint.received'))[0].event)).toMatchObject({ appUserId: 'C-RT-2', wechatOpenId: null });

    const wechat = await file({ channel: 'wechat', complainant: { channelUserId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M' }, description: '理财产品风险等级与评估不符。', preferredReplyChannel: 'wechat' });
    expect(wechat.status).toBe(201);
    expect(replyToOf((await eventsOf(wechat.body.complaintId, 'complaint.received'))[0].event)).toMatchObject({ wechatOpenId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', appUserId: null });
  });

  it("maps the address of a channel's own payload: a regulator's referral with no phone or e-mail is answered by letter", async () => {
    const res = await signedPost('regulator', {
      referralId: 'RF-RT-0001',
      body: 'NFRA',
      caseNo: '12378-2026-RT0001',
      deadline: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      complainant: { name: '李建国', idNo: '330102196505053312', address: ADDRESS },
      content: '投诉人反映信用卡催收人员多次给其亲友打电话。',
    });
    expect(res.status).toBe(201);
    const [received] = await eventsOf(res.body.complaintId, 'complaint.received');
    expect(received.event.payload.preferredReplyChannel).toBe('letter');
    expect(replyToOf(received.event)).toMatchObject({ name: '李建国', postalAddress: ADDRESS });
  });

  describe('refuses a reply channel that cannot reach the customer, with 400 problem+json naming preferredReplyChannel, and stores nothing', () => {
    const expectRefusal = (res: { status: number; type: string; body: { errors?: { path: string; message: string }[] } }, message: RegExp) => {
      expect({ status: res.status, type: res.type }).toEqual({ status: 400, type: 'application/problem+json' });
      expect(res.body.errors).toEqual(expect.arrayContaining([{ path: 'preferredReplyChannel', message: expect.stringMatching(message) }]));
    };

    it('a letter without an address, at POST /v1/complaints', async () => {
      const before = await service.rowCounts();
      const res = await file({ channel: 'web', complainant: { customerId: 'C-RT-3', name: '孙七', phone: PHONE }, description: '信用卡分期手续费与宣传不符。', preferredReplyChannel: 'letter' });
      expectRefusal(res, /^letter needs complainant\.postalAddress$/);
      expect(res.text).not.toContain(PHONE);
      expect(await service.rowCounts()).toEqual(before);
    });

    it('an app reply for a customer without a customer number, and a WeChat reply from another channel', async () => {
      const before = await service.rowCounts();
      expectRefusal(await file({ channel: 'mobile-app', complainant: { name: '黄晓明', phone: PHONE }, description: '转账未到账。', preferredReplyChannel: 'app' }), /^app needs complainant\.customerId/);
      expectRefusal(await file({ channel: 'chatbot', complainant: { channelUserId: 'wx-o6_bmjr', phone: PHONE }, description: '转账未到账。', preferredReplyChannel: 'wechat' }), /^wechat needs complainant\.channelUserId from the wechat channel/);
      expect(await service.rowCounts()).toEqual(before);
    });

    it("a letter without an address, at the branch's own inbound door", async () => {
      const before = await filings();
      const res = await signedPost('branch', {
        ticketNo: 'BR0231-RT-0001',
        branchCode: '0231',
        tellerId: 'T023108',
        customer: { custNo: 'C-RT-4', name: '王秀英', mobile: PHONE },
        narrative: '定期存款到期被转购理财。',
        replyPref: 'LETTER',
      });
      // The adapter's refusal says which message it was, then the same rule.
      expectRefusal(res, /^the counter form does not make a valid complaint: preferredReplyChannel: letter needs complainant\.postalAddress$/);
      expect(await filings()).toEqual(before);
    });

    it('a referral that gives no way at all to answer the complainant, refused by its adapter', async () => {
      const before = await filings();
      const res = await signedPost('regulator', { referralId: 'RF-RT-0002', body: 'NFRA', caseNo: '12378-2026-RT0002', complainant: { name: '李建国', idNo: '330102196505053312' }, content: '投诉人反映网点拒收现金。' });
      expect({ status: res.status, type: res.type }).toEqual({ status: 400, type: 'application/problem+json' });
      expect(res.body.errors).toEqual([{ path: 'complainant', message: expect.stringMatching(/the referral gives no way to answer the complainant/) }]);
      expect(await filings()).toEqual(before);
    });
  });

  describe('an amendment', () => {
    const proof = { 'x-proof-of-identity': PHONE.slice(-4) };
    const amend = async (ticketNumber: string, body: unknown) => call('POST', `/v1/complaints/${ticketNumber}/amendments`, await bearer('hotline'), body, proof);

    it('that would leave the chosen channel unreachable is refused the same way, and changes nothing', async () => {
      const filed = await file({ channel: 'hotline', complainant: { name: '郑十', phone: PHONE }, description: 'ATM吞卡后三天未处理。', preferredReplyChannel: 'sms' });
      expect(filed.status).toBe(201);
      const before = await service.rowCounts();
      const toLetter = await amend(filed.body.ticketNumber, { preferredReplyChannel: 'letter' });
      expect({ status: toLetter.status, type: toLetter.type, errors: toLetter.body.errors }).toEqual({
        status: 400,
        type: 'application/problem+json',
        errors: [{ path: 'preferredReplyChannel', message: 'letter needs complainant.postalAddress' }],
      });
      expect((await amend(filed.body.ticketNumber, { preferredReplyChannel: 'email' })).body.errors).toEqual([{ path: 'preferredReplyChannel', message: 'email needs complainant.email' }]);
      expect(await service.rowCounts()).toEqual(before);
      // With the e-mail address in the same amendment it reaches them.
      const toEmail = await amend(filed.body.ticketNumber, { preferredReplyChannel: 'email', email: 'zheng.shi@example.cn' });
      expect(toEmail.status).toBe(201);
    });

    it('to a channel the complaint can reach carries the whole replyTo, the address included', async () => {
      const filed = await file({ channel: 'hotline', complainant: { customerId: 'C-RT-5', name: '郑十', phone: PHONE, postalAddress: ADDRESS }, description: 'ATM吞卡后三天未处理。', preferredReplyChannel: 'sms' });
      expect(filed.status).toBe(201);
      const res = await amend(filed.body.ticketNumber, { preferredReplyChannel: 'letter' });
      expect(res.status).toBe(201);
      const [amended] = await eventsOf(filed.body.complaintId, 'complaint.amended');
      expect(amended.event.payload).toMatchObject({ changed: ['preferredReplyChannel'], preferredReplyChannel: 'letter' });
      expect(replyToOf(amended.event)).toEqual({ name: '郑十', phone: PHONE, email: null, postalAddress: ADDRESS, appUserId: 'C-RT-5', wechatOpenId: null });
      for (const line of ADDRESS_LINES) expect(amended.raw).not.toContain(line);
    });

    it('of the postal address (the customer moved) reaches letters: sealed at rest and in replyTo, a v2 event, bad addresses refused', async () => {
      const moved = '北京市西城区金融大街1号\n100033';
      const filed = await file({ channel: 'hotline', complainant: { name: '郑十', phone: PHONE }, description: 'ATM吞卡后三天未处理。', preferredReplyChannel: 'sms' });
      expect(filed.status).toBe(201);
      const before = await service.rowCounts();
      for (const [postalAddress, message] of [
        ['   ', /postalAddress/],
        ['北京市\u0007西城区', /control character/],
        [Array.from({ length: 7 }, (_, i) => `第${i + 1}行`).join('\n'), /at most 6 lines/],
        [42, /postalAddress/],
        [null, /postalAddress/],
      ] as const) {
        const refused = await amend(filed.body.ticketNumber, { postalAddress });
        expect({ status: refused.status, paths: refused.body.errors.map((e: { path: string }) => e.path), message: refused.body.errors[0].message }).toEqual({ status: 400, paths: expect.arrayContaining(['postalAddress']), message: expect.stringMatching(message) });
      }
      expect(await service.rowCounts()).toEqual(before);

      const res = await amend(filed.body.ticketNumber, { postalAddress: moved, preferredReplyChannel: 'letter' });
      expect(res.status).toBe(201);
      expect(res.body.changed).toEqual(['preferredReplyChannel', 'postalAddress']);
      const [amended] = await eventsOf(filed.body.complaintId, 'complaint.amended');
      expect({ version: amended.event.version, changed: amended.event.payload.changed }).toEqual({ version: 2, changed: ['preferredReplyChannel', 'postalAddress'] });
      expect(replyToOf(amended.event)).toMatchObject({ postalAddress: moved, phone: PHONE });
      expect(amended.raw).not.toContain('金融大街');
      expect(await complaintRow(filed.body.complaintId)).not.toContain('金融大街');
      const staff = await call('GET', `/v1/staff/complaints/${filed.body.complaintId}`, `Bearer ${await service.issuer.token('investigator')}`, undefined);
      expect(staff.body.complainant).toMatchObject({ postalAddress: moved, phone: PHONE });
    });

    it('keeps the superseded address, phone and e-mail out of masked staff copies and of later summaries and reasons, sealed at rest', async () => {
      const moved = '北京市西城区金融大街1号\n100033';
      const newPhone = '13900001357';
      const filed = await file({
        channel: 'hotline',
        complainant: { name: '郑十', phone: PHONE, email: 'zheng.old@example.cn', postalAddress: ADDRESS },
        description: `我住在${ADDRESS_LINES[0]}${ADDRESS_LINES[1]}，电话${PHONE}，邮箱zheng.old@example.cn，ATM吞卡后三天未处理。`,
        preferredReplyChannel: 'sms',
      });
      expect(filed.status).toBe(201);
      const { complaintId, ticketNumber } = filed.body;
      // Moved and a new phone, then a new e-mail: each superseded value is still the customer's.
      expect((await amend(ticketNumber, { postalAddress: moved, phone: newPhone })).status).toBe(201);
      const nowProof = { 'x-proof-of-identity': newPhone.slice(-4) };
      expect((await call('POST', `/v1/complaints/${ticketNumber}/amendments`, await bearer('hotline'), { email: 'zheng.new@example.cn' }, nowProof)).status).toBe(201);
      const personal = [...ADDRESS_LINES.slice(0, 2), '金融大街', PHONE, newPhone, 'zheng.old', 'zheng.new'];

      for (const role of ['triage-officer', 'department-staff', 'auditor'] as const) {
        const masked = await call('GET', `/v1/staff/complaints/${complaintId}`, `Bearer ${await service.issuer.token(role)}`, undefined);
        expect({ role, status: masked.status, personalData: masked.body.personalData }).toEqual({ role, status: 200, personalData: 'masked' });
        for (const value of personal) expect({ role, value, leaked: masked.text.includes(value) }).toEqual({ role, value, leaked: false });
      }
      // Those who see personal data see the complainant as they are now, not their history.
      const clear = await call('GET', `/v1/staff/complaints/${complaintId}`, `Bearer ${await service.issuer.token('investigator')}`, undefined);
      expect(clear.body.complainant).toEqual({ name: '郑十', phone: newPhone, email: 'zheng.new@example.cn', postalAddress: moved });
      expect(clear.body.description).toContain(ADDRESS_LINES[0]);

      const supplement = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, await bearer('hotline'), { text: `旧地址${ADDRESS_LINES[0]}、旧电话${PHONE}、旧邮箱zheng.old@example.cn都不用了，新地址${moved.split('\n')[0]}。` }, nowProof);
      expect(supplement.status).toBe(201);
      const [supplemented] = await eventsOf(complaintId, 'complaint.supplemented');
      const withdrawal = await call('POST', `/v1/complaints/${ticketNumber}/withdrawal`, await bearer('hotline'), { reason: `已从${ADDRESS_LINES[0]}搬到${moved.split('\n')[0]}，问题已解决。` }, nowProof);
      expect(withdrawal.status).toBe(201);
      const [withdrawn] = await eventsOf(complaintId, 'complaint.withdrawn');
      for (const value of personal) {
        expect({ value, inSummary: supplemented.raw.includes(value), inReason: withdrawn.raw.includes(value) }).toEqual({ value, inSummary: false, inReason: false });
      }
      // What is kept of them is sealed like the rest.
      const row = await complaintRow(complaintId);
      for (const value of personal) expect(row).not.toContain(value);
    });
  });
});
