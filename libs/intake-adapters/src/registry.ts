import { ChannelAdapter } from './channel-adapter';
import { AdapterConfig } from './adapter-config';
import { mobileAppAdapter } from '../mobile-app';
import { webAdapter } from '../web';

/** Every channel's adapter, by channel. A channel team adds theirs here (see docs/channels.md). */
export function createChannelAdapters(config: AdapterConfig): Map<string, ChannelAdapter> {
  const adapters: ChannelAdapter[] = [webAdapter(config.secretFor('web')), mobileAppAdapter(config.secretFor('mobile-app'))];
  return new Map(adapters.map((a) => [a.channel, a]));
}
