import { z } from 'zod';

/** Money on the wire: integer minor units and an ISO 4217 code. Never a float. */
export const MoneySchema = z
  .object({
    amountMinor: z.number().int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. CNY'),
  })
  .strict();
export type MoneyDto = z.infer<typeof MoneySchema>;
