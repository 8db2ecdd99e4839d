import { AdapterConfig } from '../src/adapter-config';
import { ChannelAdapter } from '../src/channel-adapter';
import { ChatbotHandoffAdapter } from './chatbot.adapter';

export { ChatbotHandoffAdapter };
export const chatbotAdapter = (config: AdapterConfig): ChannelAdapter => new ChatbotHandoffAdapter(config.secretFor('chatbot'));
