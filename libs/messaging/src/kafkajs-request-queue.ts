import { createRequire } from 'node:module';

/**
 * KafkaJS 2.2.4, its last release, has a bug in each broker connection's request queue. Once the
 * last request in flight is answered, the queue re-arms a timer with a negative delay, and it does
 * so again every time that timer fires (tulios/kafkajs#1556, #1704; the fix proposed in #1667 was
 * never released). Every connection of every consumer, producer and admin client therefore wakes
 * up about once a millisecond for as long as it lives.
 *
 * Measured here: 4 to 6% of a core per idle service, and half of an idle service's CPU profile in
 * timers. The proposed fix is applied to the queue's prototype when this module loads: a check is
 * scheduled only while requests are waiting, and a request that is pushed or answered triggers
 * the check as before.
 */

/** The one version whose request queue this replacement was written against. */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** Same as the library's constant: how soon waiting requests are looked at again when not throttled. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

type RequestQueueClass = { prototype: RequestQueueInternals };

const load = createRequire(__filename);

/** The request queue class of the installed KafkaJS, or null when it is not the version the fix is for. */
export function kafkaJsRequestQueue(): RequestQueueClass | null {
  const version = (load('kafkajs/package.json') as { version: string }).version;
  if (version !== PATCHED_KAFKAJS_VERSION) return null;
  return load('kafkajs/src/network/requestQueue') as RequestQueueClass;
}

function scheduleCheckWhileRequestsWait(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/** Applies the fix once; false when the installed KafkaJS is another version (then it is left alone). */
export function fixKafkaJsIdleSpin(): boolean {
  const queue = kafkaJsRequestQueue();
  if (!queue) return false;
  queue.prototype.scheduleCheckPendingRequests = scheduleCheckWhileRequestsWait;
  return true;
}

fixKafkaJsIdleSpin();
