import { DeliveryResult, Recipient, redactProviderText, TransientDeliveryError } from './delivery-channel';

/** The HTTP adapters (SMS, app inbox, WeChat) share one request helper and one status mapping. */
export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body (already serialised, so the caller can sign exactly these bytes) with global
 * fetch. A network failure, a timeout, 408, 429 and any 5xx throw TransientDeliveryError, its text
 * with `to`'s details masked (a provider's error page may quote the number or the user); every
 * other answer is returned for the adapter to map.
 */
export async function postJson(
  url: string,
  rawBody: string,
  headers: Record<string, string>,
  options: { timeoutMs?: number; what: string; to: Recipient },
): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', ...headers },
      body: rawBody,
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (err) {
    throw new TransientDeliveryError(redactProviderText(`${options.what}: request failed (${describe(err)})`, options.to), { cause: err });
  }
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    throw new TransientDeliveryError(redactProviderText(`${options.what}: HTTP ${response.status} ${snippet(text)}`.trim(), options.to));
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

/**
 * The mapping shared by the SMS and app-inbox adapters: 2xx → sent with the provider's `id`, any
 * other answer → failed, with the provider's explanation, `to`'s details masked, as the detail.
 */
export function resultOf(answer: HttpAnswer, what: string, to: Recipient): DeliveryResult {
  if (answer.status >= 200 && answer.status < 300) {
    const id = field(answer.json, 'id');
    return { status: 'sent', providerReference: id, detail: id ? null : `${what} accepted the message but returned no id` };
  }
  return { status: 'failed', providerReference: null, detail: redactProviderText(`${what}: HTTP ${answer.status} ${snippet(answer.text)}`.trim(), to) };
}

/** A string or number property of a JSON object, as a string. */
export function field(json: unknown, name: string): string | null {
  if (!json || typeof json !== 'object') return null;
  const value = (json as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** Enough of a provider's answer to explain a failure, not a whole HTML error page. */
export function snippet(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? `: ${(cause as NodeJS.ErrnoException).code ?? cause.message}` : '';
  return `${err.name === 'TimeoutError' ? 'timed out' : err.message}${inner}`;
}
