/**
 * What adapters are configured with, from the environment of the intake service:
 *   WEBHOOK_SECRETS="web:<base64>,hotline:<base64>,..."  HMAC secrets per channel (32+ bytes)
 *   WECHAT_TOKEN=<token>                                   the token set in the WeChat admin console
 *   WECHAT_APP_ID=<appid>                                  the official account or mini-program the pushes are for
 *   WECHAT_ENCODING_AES_KEY=<43 chars>                     the EncodingAESKey set in the WeChat console (safe mode)
 */
export interface AdapterConfig {
  /** The channel's HMAC secret, or undefined when the channel is not enabled. */
  secretFor(channel: string): Buffer | undefined;
  wechat?: { token: string; appId?: string; encodingAesKey?: string };
}
