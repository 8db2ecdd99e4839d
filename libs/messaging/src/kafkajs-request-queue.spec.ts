import { fixKafkaJsIdleSpin, kafkaJsRequestQueue, PATCHED_KAFKAJS_VERSION } from './kafkajs-request-queue';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newQueue(): Queue {
  const RequestQueue = kafkaJsRequestQueue() as unknown as new (options: Record<string, unknown>) => Queue;
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: true, clientId: 'spec', broker: 'spec:9092', logger: quietLogger });
}

describe('KafkaJS request queue: no timer spinning while nothing waits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it(`applies to the installed KafkaJS ${PATCHED_KAFKAJS_VERSION} (another version must be looked at again)`, () => {
    expect(fixKafkaJsIdleSpin()).toBe(true);
  });

  it('schedules nothing once the last request is answered and none waits', () => {
    const queue = newQueue();
    queue.checkPendingRequests(); // what answering the last request in flight ends with
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('looks at waiting requests again after the usual 10 ms when not throttled', () => {
    const queue = newQueue();
    const looked = jest.spyOn(queue, 'checkPendingRequests').mockImplementation(() => undefined);
    queue.pending.push({ correlationId: 1 });
    (queue as unknown as { scheduleCheckPendingRequests(): void }).scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(9);
    expect(looked).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(looked).toHaveBeenCalledTimes(1);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('waits out a broker throttle before looking at waiting requests again', () => {
    const queue = newQueue();
    const looked = jest.spyOn(queue, 'checkPendingRequests').mockImplementation(() => undefined);
    queue.pending.push({ correlationId: 1 });
    queue.throttledUntil = Date.now() + 250;
    (queue as unknown as { scheduleCheckPendingRequests(): void }).scheduleCheckPendingRequests();
    jest.advanceTimersByTime(249);
    expect(looked).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(looked).toHaveBeenCalledTimes(1);
  });
});
