import { AdapterConfig } from '../src/adapter-config';
import { ChannelAdapter } from '../src/channel-adapter';
import { BranchCounterAdapter } from './branch.adapter';

export { BranchCounterAdapter };
export const branchAdapter = (config: AdapterConfig): ChannelAdapter => new BranchCounterAdapter(config.secretFor('branch'));
