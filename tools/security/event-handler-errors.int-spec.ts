import { isObservable, lastValueFrom } from 'rxjs';
import { Events } from '@complaints/contracts';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(60_000);

/**
 * In a service (HTTP and Kafka in one Nest application) a handler's own error must reach the
 * Kafka transport as thrown: the transport tells a lost database (retry, never dead-letter)
 * from a bad event by it. Nest's default would hand over a generic "Internal server error".
 */
describe('event handlers inside a running service', () => {
  let service: ServiceUnderTest;

  beforeAll(async () => {
    service = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!);
  });
  afterAll(() => service?.stop());

  it("hand the handler's own error to the transport", async () => {
    const handler = service.running.transport.getHandlerByPattern(Events.ComplaintTriaged.pattern);
    expect(handler).toBeTruthy();
    const broken = { eventId: 'x', complaintId: 'y', payload: undefined };
    // As the transport does: the result may be an observable that fails.
    const outcome = await Promise.resolve()
      .then(() => handler!(broken, {}))
      .then((result) => (isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result))
      .then(
        () => 'resolved',
        (e: unknown) => e,
      );
    expect(outcome).toBeInstanceOf(TypeError);
    expect((outcome as TypeError).message).toMatch(/triaged|payload|undefined/);
  });
});
