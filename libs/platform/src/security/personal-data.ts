import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { maskValue } from '@complaints/domain';
import { AuthenticatedRequest, seesPersonalData } from './principal';

/**
 * Field names that hold personal data (JR/T 0171 class C2) wherever they appear in a response or
 * a log line: names, ID, phone, e-mail, account and card numbers, addresses (the complainant's
 * `postalAddress` among them), the bank's customer id and a channel's id of the person (a WeChat
 * openid), and the names customers give their files (`身份证_张三.jpg`). No service answers with
 * one of these names for anything that is not personal.
 */
export const PERSONAL_DATA_FIELDS = [
  'name', 'fullName', 'phone', 'mobile', 'email', 'idNumber', 'idCardNumber', 'accountNumber',
  'cardNumber', 'address', 'postalAddress', 'agentName', 'heirName', 'customerId', 'channelUserId',
  'fileName',
] as const;

const PERSONAL = new Set<string>(PERSONAL_DATA_FIELDS);

/** A file's name keeps only its extension (what kind of file it is): its last characters are as likely a name as not. */
const maskFileName = (value: string): string => {
  const extension = /\.[A-Za-z0-9]{1,8}$/.exec(value)?.[0] ?? '';
  return '*'.repeat(value.length - extension.length) + extension;
};

const maskField = (key: string, value: string): string => (key === 'fileName' ? maskFileName(value) : maskValue(value));

/** A copy of `value` with every personal-data field masked, at any depth. */
export function maskPersonalData<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object') return value;
  // No response is this deep; if one is, what lies below goes out withheld, never in clear.
  if (depth > 32) return '[withheld: nested too deeply to check]' as T;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => maskPersonalData(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      PERSONAL.has(key) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') ? maskField(key, String(v)) : maskPersonalData(v, depth + 1);
  }
  return out as T;
}

/**
 * Masks personal data in every response to a caller whose roles do not need it in clear, so a
 * controller cannot forget to: the clear view is the exception, granted by role.
 */
@Injectable()
export class PersonalDataMasking implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return next.handle().pipe(map((body) => (seesPersonalData(request.principal) ? body : maskPersonalData(body))));
  }
}
