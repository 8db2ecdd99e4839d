import { CallBackChannel } from './call-back-channel';
import { OutboundMessage, UndeliverableError } from './delivery-channel';
import { zhFinalResponse } from './testing/sample-messages';

describe('CallBackChannel', () => {
  it('creates a call-back task for a person and reports its id', async () => {
    const tasks: OutboundMessage[] = [];
    const channel = new CallBackChannel({
      createTask: async (message) => {
        tasks.push(message);
        return { taskId: `task-${tasks.length}` };
      },
    });
    const message = zhFinalResponse();
    expect(channel.channel).toBe('phone');
    expect(await channel.deliver(message)).toEqual({ status: 'sent', providerReference: 'task-1', detail: 'call-back task created' });
    expect(tasks).toEqual([message]);
  });

  it('cannot call a customer without a phone number', async () => {
    const createTask = jest.fn();
    await expect(new CallBackChannel({ createTask }).deliver(zhFinalResponse({ to: { email: 'a@b.cn', phone: null } }))).rejects.toThrow(UndeliverableError);
    expect(createTask).not.toHaveBeenCalled();
  });
});
