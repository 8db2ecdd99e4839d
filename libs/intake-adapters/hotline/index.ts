import { AdapterConfig } from '../src/adapter-config';
import { ChannelAdapter } from '../src/channel-adapter';
import { HotlineCallAdapter } from './hotline.adapter';

export { HotlineCallAdapter };
export const hotlineAdapter = (config: AdapterConfig): ChannelAdapter => new HotlineCallAdapter(config.secretFor('hotline'));
