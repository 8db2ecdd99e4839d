import { TransientDeliveryError, UndeliverableError } from './delivery-channel';
import { RecordingServer } from './testing/recording-server';
import { SAMPLE_TICKET, ZH_FINAL_RESPONSE_BODY, zhFinalResponse } from './testing/sample-messages';
import { WechatChannel } from './wechat-channel';

const TEMPLATE_ID = 'tmpl-final-response-01';

describe('WechatChannel', () => {
  let wechat: RecordingServer;
  let channel: WechatChannel;
  let tokens: number;

  beforeEach(async () => {
    wechat = await RecordingServer.start();
    tokens = 0;
    channel = new WechatChannel({
      endpoint: `${wechat.url}/cgi-bin/message/template/send`,
      templateId: TEMPLATE_ID,
      accessToken: async () => `token-${++tokens}/+=`,
    });
  });
  afterEach(async () => {
    await wechat.close();
  });

  it('posts the template message with the access token and reports the msgid', async () => {
    wechat.reply = { status: 200, body: { errcode: 0, errmsg: 'ok', msgid: 200228332 } };
    const message = zhFinalResponse();
    const result = await channel.deliver(message);

    expect(result).toEqual({ status: 'sent', providerReference: '200228332', detail: null });
    const request = wechat.last;
    const url = new URL(request.url, wechat.url);
    expect(url.pathname).toBe('/cgi-bin/message/template/send');
    expect(url.searchParams.get('access_token')).toBe('token-1/+=');
    const body = JSON.parse(request.body);
    expect(body).toEqual({
      touser: message.to.wechatOpenId,
      template_id: TEMPLATE_ID,
      data: {
        first: { value: message.subject },
        keyword1: { value: SAMPLE_TICKET },
        keyword2: { value: '投诉处理最终答复' },
        remark: { value: Array.from(ZH_FINAL_RESPONSE_BODY).slice(0, 200).join('') },
      },
    });
    expect(Array.from(body.data.remark.value)).toHaveLength(200);
  });

  it('asks for the token on every send', async () => {
    wechat.reply = { status: 200, body: { errcode: 0, errmsg: 'ok', msgid: 1 } };
    await channel.deliver(zhFinalResponse());
    await channel.deliver(zhFinalResponse());
    expect(wechat.requests.map((r) => new URL(r.url, wechat.url).searchParams.get('access_token'))).toEqual(['token-1/+=', 'token-2/+=']);
  });

  it('treats errcode -1 (system busy) as transient', async () => {
    wechat.reply = { status: 200, body: { errcode: -1, errmsg: 'system error' } };
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('reports any other errcode as failed with errmsg', async () => {
    wechat.reply = { status: 200, body: { errcode: 43004, errmsg: 'require subscribe hint: [xyz]' } };
    const result = await channel.deliver(zhFinalResponse());
    expect(result).toEqual({ status: 'failed', providerReference: null, detail: 'WeChat errcode 43004: require subscribe hint: [xyz]' });
  });

  it('masks the openid an errmsg quotes', async () => {
    const message = zhFinalResponse();
    wechat.reply = { status: 200, body: { errcode: 40003, errmsg: `invalid openid ${message.to.wechatOpenId} hint: [abc]` } };
    const result = await channel.deliver(message);
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/^WeChat errcode 40003: invalid openid \*+ hint/);
    expect(result.detail).not.toContain(message.to.wechatOpenId);
  });

  it('reports an HTTP 400 as failed', async () => {
    wechat.reply = { status: 400, body: 'bad request' };
    const result = await channel.deliver(zhFinalResponse());
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('HTTP 400');
  });

  it.each([429, 500])('treats HTTP %i as transient', async (status) => {
    wechat.reply = { status, body: {} };
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('treats an unreachable WeChat or a failing token source as transient', async () => {
    const noToken = new WechatChannel({ endpoint: wechat.url, templateId: TEMPLATE_ID, accessToken: () => Promise.reject(new Error('token service down')) });
    await expect(noToken.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
    await wechat.close();
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('cannot deliver to a customer without an openid', async () => {
    await expect(channel.deliver(zhFinalResponse({ to: { phone: '+8613800138000', wechatOpenId: '' } }))).rejects.toThrow(UndeliverableError);
    expect(wechat.requests).toHaveLength(0);
    expect(tokens).toBe(0);
  });
});
