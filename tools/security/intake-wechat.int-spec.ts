/**
 * WeChat's pushes over HTTP, as WeChat sends them: signed in the query (signature, timestamp,
 * nonce, msg_signature), the message encrypted in safe mode, and WeChat's URL check by GET.
 */
import { randomUUID } from 'node:crypto';
import { intakeService as intake } from '../../apps/intake/src/main';
import { sealAsWeChat, weChatSignature } from '../../libs/intake-adapters/wechat/wechat-sender.fixture';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(60_000);

const TOKEN = 'wechat-token-of-this-bank';
const APP_ID = 'wx0123456789abcdef';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const ACCOUNT = 'gh_5a7c9e1b3d2f';
const OPENID = 'oQ8fV5xKp2LmN7rT1sY4wZ9bC3dE';

describe('intake: WeChat official account pushes over HTTP', () => {
  let service: ServiceUnderTest;

  beforeAll(async () => {
    service = await startInProcess(intake, { WECHAT_TOKEN: TOKEN, WECHAT_APP_ID: APP_ID, WECHAT_ENCODING_AES_KEY: AES_KEY });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const signedQuery = (encrypted: string, extra: Record<string, string> = {}) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    return new URLSearchParams({
      signature: weChatSignature(TOKEN, timestamp, nonce),
      timestamp,
      nonce,
      openid: OPENID,
      encrypt_type: 'aes',
      msg_signature: weChatSignature(TOKEN, timestamp, nonce, encrypted),
      ...extra,
    });
  };

  const textPush = (msgId: string, content: string) => {
    const inner =
      `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>` +
      `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
    const encrypted = sealAsWeChat(inner, APP_ID, AES_KEY);
    return { encrypted, body: `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` };
  };
  const post = (query: URLSearchParams, body: string) =>
    fetch(`${service.baseUrl}/v1/channels/wechat/inbound?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });

  it('files a genuine safe-mode push once, answers it and WeChat’s retry of it (same nonce) "success", and answers WeChat’s URL check', async () => {
    const msgId = String(24_872_360_151_934_000 + Math.floor(Math.random() * 1000));
    const { encrypted, body } = textPush(msgId, `信用卡被重复扣收年费，请退还。${randomUUID()}`);
    const query = signedQuery(encrypted);
    const before = (await service.rowCounts()).complaints;

    const res = await post(query, body);
    // WeChat shows its user "该公众号暂时无法提供服务" for any answer but "success", an empty body or a reply message.
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'success' });
    expect((await service.rowCounts()).complaints).toBe(before + 1);
    const [filed] = (await service.pg.query(`SELECT channel, channel_reference FROM "${service.schema}".complaints ORDER BY received_at DESC LIMIT 1`)).rows;
    expect(filed).toEqual({ channel: 'wechat', channel_reference: msgId });

    // WeChat retries a push it had no answer to within five seconds with the same bytes, signature and
    // nonce, also when the first went through: heard, answered as the first, nothing filed twice.
    const again = await post(query, body);
    expect({ status: again.status, body: await again.text(), replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 200, body: 'success', replayed: 'true' });
    expect((await service.rowCounts()).complaints).toBe(before + 1);

        // The URL check WeChat sends when the server address is saved.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '893476512';
    const check = new URLSearchParams({ signature: weChatSignature(TOKEN, timestamp, nonce), timestamp, nonce, echostr: '7204958316725409135' });
    const checked = await fetch(`${service.baseUrl}/v1/channels/wechat/inbound?${check}`);
    expect({ status: checked.status, body: await checked.text() }).toEqual({ status: 200, body: '7204958316725409135' });
    // Its echostr is covered by nothing but the signature: a captured check is not heard again, whatever it asks to echo.
    check.set('echostr', 'attacker-chosen');
    expect((await fetch(`${service.baseUrl}/v1/channels/wechat/inbound?${check}`)).status).toBe(401);
  });

  it('refuses another message under a nonce already spent, however it is signed', async () => {
    const first = textPush(String(24_872_360_151_936_000 + Math.floor(Math.random() * 1000)), `贷款利率与合同不符。${randomUUID()}`);
    const query = signedQuery(first.encrypted);
    expect((await post(query, first.body)).status).toBe(200);
    const before = (await service.rowCounts()).complaints;

    // Same timestamp and nonce, a different message, msg_signature recomputed over it with the token.
    const other = textPush(String(24_872_360_151_937_000 + Math.floor(Math.random() * 1000)), `另一条投诉。${randomUUID()}`);
    const reused = new URLSearchParams(query);
    reused.set('msg_signature', weChatSignature(TOKEN, query.get('timestamp')!, query.get('nonce')!, other.encrypted));
    const refused = await post(reused, other.body);
    expect({ status: refused.status, body: await refused.json() }).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/nonce has been used already/) } });
    expect((await service.rowCounts()).complaints).toBe(before);
  });

  it('hears WeChat’s retry of a push that failed on our side (the database was away), and files it once', async () => {
    const msgId = String(24_872_360_151_935_000 + Math.floor(Math.random() * 1000));
    const { encrypted, body } = textPush(msgId, `转账三天未到账。${randomUUID()}`);
    const url = `${service.baseUrl}/v1/channels/wechat/inbound?${signedQuery(encrypted)}`;
    const before = (await service.rowCounts()).complaints;

    await service.pg.query(`ALTER TABLE "${service.schema}".complaints RENAME TO complaints_away`);
    let failed: Response;
    try {
      failed = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    } finally {
      await service.pg.query(`ALTER TABLE "${service.schema}".complaints_away RENAME TO complaints`);
    }
    expect(failed.status).toBeGreaterThanOrEqual(500);

    // WeChat retries the very same request: heard, filed once; a third delivery is answered as the second.
    const retried = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    expect({ status: retried.status, body: await retried.text() }).toEqual({ status: 200, body: 'success' });
    expect((await service.rowCounts()).complaints).toBe(before + 1);
    const third = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    expect({ status: third.status, replayed: third.headers.get('idempotent-replayed') }).toEqual({ status: 200, replayed: 'true' });
    expect((await service.rowCounts()).complaints).toBe(before + 1);
  });
});
