import { AdapterConfig } from '../src/adapter-config';
import { ChannelAdapter } from '../src/channel-adapter';
import { RegulatorReferralAdapter } from './regulator.adapter';

export { RegulatorReferralAdapter };
export const regulatorAdapter = (config: AdapterConfig): ChannelAdapter => new RegulatorReferralAdapter(config.secretFor('regulator'));
