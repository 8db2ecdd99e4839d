import { ChannelAdapter } from './channel-adapter';
import { AdapterConfig } from './adapter-config';
import { branchAdapter } from '../branch';
import { chatbotAdapter } from '../chatbot';
import { emailAdapter } from '../email';
import { hotlineAdapter } from '../hotline';
import { mobileAppAdapter } from '../mobile-app';
import { regulatorAdapter } from '../regulator';
import { webAdapter } from '../web';
import { wechatAdapter } from '../wechat';

/** Every channel's adapter, by channel. A channel team adds theirs here (see docs/channels.md). */
export function createChannelAdapters(config: AdapterConfig): Map<string, ChannelAdapter> {
  const adapters: ChannelAdapter[] = [
    branchAdapter(config),
    hotlineAdapter(config),
    mobileAppAdapter(config.secretFor('mobile-app')),
    webAdapter(config.secretFor('web')),
    wechatAdapter(config),
    emailAdapter(config),
    chatbotAdapter(config),
    regulatorAdapter(config),
  ];
  return new Map(adapters.map((a) => [a.channel, a]));
}
