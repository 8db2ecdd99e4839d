import { DeliveryChannel, DeliveryResult, firstChars, kindLabel, OutboundMessage, present, redactProviderText, TransientDeliveryError, UndeliverableError } from './delivery-channel';
import { field, postJson, snippet } from './http-delivery';

export const WECHAT_REMARK_MAX_CHARS = 200;

export interface WechatChannelOptions {
  /** The template-message URL, e.g. https://api.weixin.qq.com/cgi-bin/message/template/send */
  endpoint: string;
  templateId: string;
  /** The official account's access token; called on every send, so it may cache and refresh. */
  accessToken(): Promise<string>;
  timeoutMs?: number;
}

/**
 * A WeChat official-account template message: POST {endpoint}?access_token=<token> with
 * `{ touser, template_id, data: { first, keyword1: ticket, keyword2: kind label, remark: first 200
 * characters of the body } }`. WeChat answers HTTP 200 with `{ errcode, errmsg, msgid }`:
 * 0 → sent (msgid), -1 (system busy) → TransientDeliveryError, anything else → failed with errmsg.
 * HTTP 408/429/5xx and network failures are transient too, as is a failure to get the token.
 * WeChat's texts (errmsg may quote the openid) come back with the recipient's details masked.
 */
export class WechatChannel implements DeliveryChannel {
  readonly channel = 'wechat' as const;

  constructor(private readonly options: WechatChannelOptions) {}

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    const openId = present(message.to.wechatOpenId);
    if (!openId) throw new UndeliverableError(`message ${message.messageId}: the recipient has no WeChat openid`);
    const said = (text: string) => redactProviderText(text, message.to);
    let token: string;
    try {
      token = await this.options.accessToken();
    } catch (err) {
      throw new TransientDeliveryError(said(`WeChat: could not get an access token (${err instanceof Error ? err.message : String(err)})`), { cause: err });
    }
    const url = new URL(this.options.endpoint);
    url.searchParams.set('access_token', token);
    const body = JSON.stringify({
      touser: openId,
      template_id: this.options.templateId,
      data: {
        first: { value: message.subject },
        keyword1: { value: message.ticketNumber },
        keyword2: { value: kindLabel(message.kind, message.language) },
        remark: { value: firstChars(message.body.trim(), WECHAT_REMARK_MAX_CHARS) },
      },
    });
    const answer = await postJson(url.toString(), body, {}, { timeoutMs: this.options.timeoutMs, what: 'WeChat', to: message.to });
    if (answer.status < 200 || answer.status >= 300) {
      return { status: 'failed', providerReference: null, detail: said(`WeChat: HTTP ${answer.status} ${snippet(answer.text)}`.trim()) };
    }
    const errcode = Number(field(answer.json, 'errcode') ?? NaN);
    const errmsg = field(answer.json, 'errmsg') ?? snippet(answer.text);
    if (errcode === 0) return { status: 'sent', providerReference: field(answer.json, 'msgid'), detail: null };
    if (errcode === -1) throw new TransientDeliveryError(said(`WeChat: system busy (errcode -1: ${errmsg})`));
    if (Number.isNaN(errcode)) return { status: 'failed', providerReference: null, detail: said(`WeChat: unexpected answer ${snippet(answer.text)}`) };
    return { status: 'failed', providerReference: null, detail: said(`WeChat errcode ${errcode}: ${errmsg}`) };
  }
}
