import { ChannelAdapter } from '../src/channel-adapter';
import { AdapterConfig } from '../src/adapter-config';
import { WeChatAdapter, WeChatSettings } from './wechat.adapter';

export { WeChatAdapter };
export type { WeChatSettings };

/** `config.wechat` carries token, appId and, for safe mode, encodingAesKey. */
export const wechatAdapter = (config: AdapterConfig): ChannelAdapter => {
  const settings: WeChatSettings | undefined = config.wechat;
  return new WeChatAdapter(settings);
};
