import { ChannelAdapter } from '../src/channel-adapter';
import { AdapterConfig } from '../src/adapter-config';
import { EmailAdapter } from './email.adapter';

export { EmailAdapter };
export const emailAdapter = (config: AdapterConfig): ChannelAdapter => new EmailAdapter(config.secretFor('email'), config.email);
