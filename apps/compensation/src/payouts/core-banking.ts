/**
 * The core banking system as compensation sees it. An instruction id is the idempotency key: the
 * core books it at most once, and asking again (after a timeout, after a crash) returns the first
 * outcome. Every bank writes its own adapter to this port; the platform ships one for the HTTP
 * API of the simulated ledger in tools/core-banking-sim.
 */
export const CORE_BANKING = Symbol('CORE_BANKING');

export interface PayoutInstruction {
  instructionId: string;
  /** credit pays the customer; debit takes a reversed payout back. */
  direction: 'credit' | 'debit';
  customerRef: string;
  amountMinor: number;
  currency: string;
  narrative: string;
  /** For a reversal, the core reference of the booking it undoes. */
  reverses: string | null;
}

export type CoreOutcome =
  | { status: 'booked'; coreReference: string; decidedAt: string }
  | { status: 'refused'; reason: string };

export interface CoreBookingRecord {
  instructionId: string;
  coreReference: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
}

/** The core could not be asked (timeout, connection refused, 5xx): the outcome is unknown and the same instruction is sent again. */
export class CoreUnavailableError extends Error {}

export interface CoreBankingPort {
  instruct(instruction: PayoutInstruction): Promise<CoreOutcome>;
  /** The outcome of an instruction, or null when the core never received it. */
  outcomeOf(instructionId: string): Promise<CoreOutcome | null>;
  /** Every booking, in booking order, for reconciliation. */
  bookings(): AsyncIterable<CoreBookingRecord>;
}

interface CoreAnswer {
  instructionId: string;
  status: 'booked' | 'refused';
  coreReference: string | null;
  reason: string | null;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  decidedAt: string;
}

const outcomeOf = (a: CoreAnswer): CoreOutcome =>
  a.status === 'booked' && a.coreReference ? { status: 'booked', coreReference: a.coreReference, decidedAt: a.decidedAt } : { status: 'refused', reason: a.reason ?? 'refused by the core' };

export class HttpCoreBanking implements CoreBankingPort {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async instruct(instruction: PayoutInstruction): Promise<CoreOutcome> {
    const res = await this.call('POST', '/core/v1/instructions', instruction);
    if (res.status === 200 || res.status === 201 || res.status === 422) return outcomeOf((await res.json()) as CoreAnswer);
    // 409: the id was used for different content. That is our bug, not a payout to retry blindly.
    if (res.status === 409) return { status: 'refused', reason: 'the core already holds this instruction id with different content' };
    throw new CoreUnavailableError(`core banking answered ${res.status}`);
  }

  async outcomeOf(instructionId: string): Promise<CoreOutcome | null> {
    const res = await this.call('GET', `/core/v1/instructions/${encodeURIComponent(instructionId)}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new CoreUnavailableError(`core banking answered ${res.status}`);
    return outcomeOf((await res.json()) as CoreAnswer);
  }

  async *bookings(): AsyncIterable<CoreBookingRecord> {
    let after = 0;
    for (;;) {
      const res = await this.call('GET', `/core/v1/bookings?after=${after}&limit=2000`);
      if (res.status !== 200) throw new CoreUnavailableError(`core banking answered ${res.status}`);
      const page = (await res.json()) as { bookings: CoreAnswer[]; next: number | null };
      for (const b of page.bookings) {
        yield { instructionId: b.instructionId, coreReference: b.coreReference!, direction: b.direction, amountMinor: b.amountMinor, currency: b.currency };
      }
      if (page.next === null) return;
      after = page.next;
    }
  }

  private async call(method: string, route: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl.replace(/\/$/, '')}${route}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CoreUnavailableError(`core banking unreachable: ${(e as Error).message}`);
    }
  }
}

/** No core configured: nothing is paid, and the desk says so instead of pretending. */
export class NoCoreBanking implements CoreBankingPort {
  async instruct(): Promise<CoreOutcome> {
    throw new CoreUnavailableError('CORE_BANKING_URL is not set');
  }
  async outcomeOf(): Promise<CoreOutcome | null> {
    throw new CoreUnavailableError('CORE_BANKING_URL is not set');
  }
  /** Without a core there is nothing to reconcile against: the report must fail, not read as empty. */
  bookings(): AsyncIterable<CoreBookingRecord> {
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new CoreUnavailableError('CORE_BANKING_URL is not set')) }) };
  }
}

export function coreBankingFromEnv(env: NodeJS.ProcessEnv = process.env): CoreBankingPort {
  if (!env.CORE_BANKING_URL) return new NoCoreBanking();
  if (!env.CORE_BANKING_TOKEN) throw new Error('CORE_BANKING_TOKEN is required with CORE_BANKING_URL');
  return new HttpCoreBanking(env.CORE_BANKING_URL, env.CORE_BANKING_TOKEN, Number(env.CORE_BANKING_TIMEOUT_MS ?? 10_000));
}
