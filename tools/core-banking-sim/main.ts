/**
 * A simulated core banking ledger, so compensation's payouts run end to end on one machine. It
 * behaves like the real thing where it matters to the platform: an instruction id books at most
 * once (a replay answers with the original booking, a replay with different content is refused),
 * closed accounts refuse credits, and the booking is committed before the answer leaves, so a
 * caller can die between the two. It keeps its own schema and knows nothing of the platform.
 *
 *   POST /core/v1/instructions        {instructionId, direction, customerRef, amountMinor, currency, narrative, reverses?}
 *   GET  /core/v1/instructions/:id    the outcome of one instruction, 404 if never received
 *   GET  /core/v1/bookings?after=&limit=   bookings in booking order, for reconciliation
 *   GET  /health/ready
 *
 * Environment: CORE_BANKING_PORT (3190), CORE_BANKING_DATABASE_URL or DATABASE_URL,
 * CORE_BANKING_SCHEMA (core_banking_sim), CORE_BANKING_TOKEN (bearer secret; required),
 * CORE_BANKING_CLOSED_ACCOUNTS (customer refs whose accounts are closed, comma-separated),
 * CORE_BANKING_REPLY_DELAY_MS (wait after committing before answering: a slow network's reply).
 */
import express, { NextFunction, Request, Response } from 'express';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { Pool } from 'pg';
import { z } from 'zod';
import { ensureDatabase, ensureSchema } from '@complaints/platform';

const InstructionSchema = z
  .object({
    instructionId: z.string().uuid(),
    direction: z.enum(['credit', 'debit']),
    customerRef: z.string().min(1).max(100),
    amountMinor: z.number().int().positive().refine(Number.isSafeInteger, 'must be a safe integer'),
    currency: z.string().regex(/^[A-Z]{3}$/),
    narrative: z.string().min(1).max(200),
    reverses: z.string().min(1).max(100).nullable().optional(),
  })
  .strict();
type Instruction = z.infer<typeof InstructionSchema>;

interface InstructionRow {
  instruction_id: string;
  request_hash: string;
  outcome: 'booked' | 'refused';
  core_reference: string | null;
  reason: string | null;
  direction: string;
  customer_ref: string;
  amount_minor: string;
  currency: string;
  booked_seq: string | null;
  decided_at: Date;
}

const asAnswer = (r: InstructionRow) => ({
  instructionId: r.instruction_id,
  status: r.outcome,
  coreReference: r.core_reference,
  reason: r.reason,
  direction: r.direction,
  customerRef: r.customer_ref,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  decidedAt: r.decided_at.toISOString(),
});

export async function startCoreBankingSimulator(env: NodeJS.ProcessEnv = process.env) {
  const token = env.CORE_BANKING_TOKEN;
  if (!token) throw new Error('CORE_BANKING_TOKEN is required');
  const schema = env.CORE_BANKING_SCHEMA ?? 'core_banking_sim';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`CORE_BANKING_SCHEMA ${schema} is not a plain identifier`);
  const closed = new Set((env.CORE_BANKING_CLOSED_ACCOUNTS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  /** The 19-digit card account the simulated core keeps for a customer reference. */
  const accountOf = (customerRef: string) => `6217${BigInt(`0x${createHash('sha256').update(customerRef).digest('hex').slice(0, 15)}`).toString().padStart(15, '0').slice(-15)}`;
  let replyDelayMs = Number(env.CORE_BANKING_REPLY_DELAY_MS ?? 0);
  const url = env.CORE_BANKING_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/complaints';
  // On a fresh machine the simulator may be the first to reach the database.
  await ensureDatabase(url);
  await ensureSchema(url, schema);
  const pool = new Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  // An idle connection dropped by a database restart is not a reason to stop: the next request connects afresh.
  pool.on('error', (e) => console.error(`core banking simulator: idle database connection lost (${e.message})`));

  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${schema}.accounts (
      customer_ref  text NOT NULL,
      currency      char(3) NOT NULL,
      balance_minor bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (customer_ref, currency)
    );
    CREATE TABLE IF NOT EXISTS ${schema}.instructions (
      instruction_id uuid PRIMARY KEY,
      request_hash   text NOT NULL,
      outcome        text NOT NULL CHECK (outcome IN ('booked', 'refused')),
      core_reference text UNIQUE,
      reason         text,
      direction      text NOT NULL,
      customer_ref   text NOT NULL,
      amount_minor   bigint NOT NULL,
      currency       char(3) NOT NULL,
      narrative      text NOT NULL,
      reverses       text,
      booked_seq     bigserial,
      decided_at     timestamptz NOT NULL DEFAULT now()
    );`);

  const expected = Buffer.from(`Bearer ${token}`);
  const authorised = (req: Request, res: Response, next: NextFunction) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).type('application/problem+json').json({ title: 'not authorised', status: 401 });
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  app.get('/health/ready', async (_req, res) => {
    await pool.query('SELECT 1');
    res.json({ status: 'ready' });
  });
  app.use('/core', authorised);

  app.post('/core/v1/instructions', async (req, res) => {
    const parsed = InstructionSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).type('application/problem+json').json({ title: 'invalid instruction', status: 400, errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      return;
    }
    const { row, replay } = await decide(parsed.data);
    if (row.request_hash !== hashOf(parsed.data)) {
      res.status(409).type('application/problem+json').json({ title: 'instruction id reused with different content', status: 409, instructionId: row.instruction_id });
      return;
    }
    if (replyDelayMs > 0) await new Promise((r) => setTimeout(r, replyDelayMs));
    res.status(row.outcome === 'refused' ? 422 : replay ? 200 : 201).json(asAnswer(row));
  });

  app.get('/core/v1/instructions/:id', async (req, res) => {
    if (!z.string().uuid().safeParse(req.params.id).success) {
      res.status(400).type('application/problem+json').json({ title: 'not an instruction id', status: 400 });
      return;
    }
    const { rows } = await pool.query<InstructionRow>(`SELECT * FROM instructions WHERE instruction_id = $1`, [req.params.id]);
    if (!rows[0]) {
      res.status(404).type('application/problem+json').json({ title: 'no such instruction', status: 404 });
      return;
    }
    res.json(asAnswer(rows[0]));
  });

  app.get('/core/v1/bookings', async (req, res) => {
    const after = Number(req.query.after ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 500), 5000);
    if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(limit) || limit < 1) {
      res.status(400).type('application/problem+json').json({ title: 'after and limit must be non-negative integers', status: 400 });
      return;
    }
    const { rows } = await pool.query<InstructionRow>(`SELECT * FROM instructions WHERE outcome = 'booked' AND booked_seq > $1 ORDER BY booked_seq LIMIT $2`, [after, limit]);
    res.json({ bookings: rows.map(asAnswer), next: rows.length === limit ? Number(rows[rows.length - 1].booked_seq) : null });
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    res.status(status).type('application/problem+json').json({ title: status === 500 ? 'core banking error' : err.message, status });
  });

  /** One instruction, one outcome: the first arrival books (or refuses), every replay reads that answer. */
  async function decide(i: Instruction): Promise<{ row: InstructionRow; replay: boolean }> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const earlier = await client.query<InstructionRow>(`SELECT * FROM instructions WHERE instruction_id = $1 FOR UPDATE`, [i.instructionId]);
      if (earlier.rows[0]) {
        await client.query('COMMIT');
        return { row: earlier.rows[0], replay: true };
      }
      // As a core answers: quoting the account it holds for the customer.
      const refusal = closed.has(i.customerRef) ? `account ${accountOf(i.customerRef)} closed` : null;
      const inserted = await client.query<InstructionRow>(
        `INSERT INTO instructions (instruction_id, request_hash, outcome, core_reference, reason, direction, customer_ref, amount_minor, currency, narrative, reverses)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (instruction_id) DO NOTHING RETURNING *`,
        [i.instructionId, hashOf(i), refusal ? 'refused' : 'booked', refusal ? null : `CB${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`, refusal, i.direction, i.customerRef, i.amountMinor, i.currency, i.narrative, i.reverses ?? null],
      );
      if (!inserted.rows[0]) {
        // Another request with the same id committed first: its outcome is the answer.
        await client.query('ROLLBACK');
        const { rows } = await pool.query<InstructionRow>(`SELECT * FROM instructions WHERE instruction_id = $1`, [i.instructionId]);
        return { row: rows[0], replay: true };
      }
      if (!refusal) {
        await client.query(
          `INSERT INTO accounts (customer_ref, currency, balance_minor) VALUES ($1, $2, $3)
           ON CONFLICT (customer_ref, currency) DO UPDATE SET balance_minor = accounts.balance_minor + EXCLUDED.balance_minor`,
          [i.customerRef, i.currency, i.direction === 'credit' ? i.amountMinor : -i.amountMinor],
        );
      }
      await client.query('COMMIT');
      return { row: inserted.rows[0], replay: false };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  const port = Number(env.CORE_BANKING_PORT ?? 3190);
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    port: (server.address() as { port: number }).port,
    schema,
    token,
    /** Tests widen the window between booking and answer to stop a caller inside it. */
    setReplyDelay(ms: number) {
      replyDelayMs = ms;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

const hashOf = (i: Instruction) =>
  createHash('sha256')
    .update(JSON.stringify([i.instructionId, i.direction, i.customerRef, i.amountMinor, i.currency, i.reverses ?? null]))
    .digest('hex');

if (require.main === module) {
  startCoreBankingSimulator()
    .then(({ port, close }) => {
      console.log(`core banking simulator listening on http://127.0.0.1:${port}`);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void close().then(() => process.exit(0)));
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
