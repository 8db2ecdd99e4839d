/**
 * The versioned catalogue customer messages are rendered from.
 *
 * The texts are data: one ICU MessageFormat file per message kind under ./catalogue (subject and body, in
 * zh-CN and en), with a version that goes into every rendered message's templateId (`final-response@v1`), so
 * the archive can tell which wording a customer received. Changing a wording means raising the version.
 *
 * The catalogue files are imported as JSON modules (tsconfig.base.json: resolveJsonModule), not read from
 * disk: the service build (tools/build/build-service.ts) copies every JSON file a compiled module requires,
 * so they reach dist/ without an asset list. Each message is compiled once, when this module loads: a broken
 * catalogue fails at start-up, not when a customer is written to.
 *
 * Facts are turned into ICU arguments here, not in the templates: dates become the calendar day in the
 * regime's time zone (a deadline of 23:59:59 Beijing time is the 22nd in Shanghai even though it is 15:59 UTC),
 * money becomes a currency amount from integer minor units, lists of escalation routes become lines. A
 * missing fact throws MissingFactError naming the kind and the fact; nothing ever renders "undefined".
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { DateTime } from 'luxon';
import { REMEDY_TYPES } from '@complaints/contracts';
import { CURRENCY_EXPONENTS, DEFAULT_REGIMES } from '@complaints/domain';
import acknowledgementFile from './catalogue/acknowledgement.json';
import progressFile from './catalogue/progress.json';
import extensionFile from './catalogue/extension.json';
import informationRequestFile from './catalogue/information-request.json';
import finalResponseFile from './catalogue/final-response.json';
import summaryResolutionFile from './catalogue/summary-resolution.json';
import surveyFile from './catalogue/survey.json';
import remedyPaidFile from './catalogue/remedy-paid.json';

export const MESSAGE_KINDS = ['acknowledgement', 'progress', 'extension', 'information-request', 'final-response', 'summary-resolution', 'survey', 'remedy-paid'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export type Language = 'zh-CN' | 'en';
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];
export type RegimeId = 'cn-cbirc' | 'uk-fca' | 'us-cfpb';
export const REGIME_IDS: readonly RegimeId[] = ['cn-cbirc', 'uk-fca', 'us-cfpb'];
export const OUTCOMES = ['upheld', 'partially-upheld', 'not-upheld'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Money {
  amountMinor: number;
  currency: string;
}
export interface EscalationRoute {
  body: string;
  contact: string;
  within: string | null;
}
export interface CustomerRights {
  reviewBy: string | null;
  escalateTo: EscalationRoute[];
}

/** What each kind of message is rendered from. Dates are ISO 8601 instants (or calendar dates). */
export interface MessageFacts {
  acknowledgement: { ticketNumber: string; responseDueBy: string; regime: RegimeId };
  progress: { ticketNumber: string; statusLabel: string; responseDueBy: string; regime: RegimeId };
  extension: { ticketNumber: string; previousDueBy: string | null; responseDueBy: string; reason: string; regime: RegimeId };
  'information-request': { ticketNumber: string; requested: string; replyBy: string; regime: RegimeId };
  'final-response': {
    ticketNumber: string;
    regime: RegimeId;
    outcome: Outcome;
    explanation: string;
    remedy: { type: string; amount: Money } | null;
    rights: CustomerRights;
    issuedAt: string;
  };
  'summary-resolution': { ticketNumber: string; regime: RegimeId; explanation: string; rights: CustomerRights };
  survey: { ticketNumber: string; regime: RegimeId; surveyUrl: string; answerBy: string; smsReplyHint: boolean };
  'remedy-paid': { ticketNumber: string; regime: RegimeId; remedyType: (typeof REMEDY_TYPES)[number]; amount: Money; paidAt: string; coreReference: string };
}

export interface RenderedMessage {
  kind: MessageKind;
  language: Language;
  /** `${kind}@v${version}` */
  templateId: string;
  subject: string;
  /** Plain text, paragraphs separated by blank lines. */
  body: string;
}

/** A fact the message needs is absent (undefined, null where null is not allowed, or blank text). */
export class MissingFactError extends Error {
  constructor(
    readonly kind: MessageKind,
    readonly fact: string,
  ) {
    super(`cannot render ${kind}: missing fact "${fact}"`);
    this.name = 'MissingFactError';
  }
}

/** A fact is there but unusable (not a date, an unknown currency, an outcome the catalogue does not know). */
export class InvalidFactError extends Error {
  constructor(
    readonly kind: MessageKind,
    readonly fact: string,
    readonly problem: string,
  ) {
    super(`cannot render ${kind}: fact "${fact}" ${problem}`);
    this.name = 'InvalidFactError';
  }
}

/** The catalogue itself is broken (bad ICU syntax, languages that disagree on arguments, ...). */
export class CatalogueError extends Error {
  override name = 'CatalogueError';
}

// ---------------------------------------------------------------------------------------------------------
// Display: dates in the regime's zone, money from minor units, plain text
// ---------------------------------------------------------------------------------------------------------

/** The locale dates and amounts are shown in: English letters follow British usage except under the CFPB. */
const DISPLAY_LOCALES: Readonly<Record<Language, Readonly<Record<RegimeId, string>>>> = {
  'zh-CN': { 'cn-cbirc': 'zh-CN', 'uk-fca': 'zh-CN', 'us-cfpb': 'zh-CN' },
  en: { 'cn-cbirc': 'en-GB', 'uk-fca': 'en-GB', 'us-cfpb': 'en-US' },
};

export function displayLocale(language: Language, regime: RegimeId): string {
  return DISPLAY_LOCALES[language][regime];
}

/** The regime's time zone (cn-cbirc Asia/Shanghai, uk-fca Europe/London, us-cfpb America/New_York). */
export function regimeTimeZone(regime: RegimeId): string {
  return DEFAULT_REGIMES[regime].timeZone;
}

/** The calendar day an ISO instant falls on in the regime's time zone, written out in the language. */
export function formatDay(iso: string, regime: RegimeId, language: Language): string {
  const at = DateTime.fromISO(iso, { zone: regimeTimeZone(regime) });
  if (!at.isValid) throw new RangeError(`not an ISO 8601 date or instant: "${iso}"`);
  return at.setLocale(displayLocale(language, regime)).toLocaleString(DateTime.DATE_FULL);
}

/**
 * An amount in integer minor units as currency (¥12,000.00, CN¥12,000.00, £120.50, ¥5,000 for JPY), using
 * the currency's ISO 4217 exponent. The division is for display only: a safe integer divided by a power of
 * ten is the nearest double to the exact decimal, and Intl rounds it back to exactly `exponent` digits.
 */
export function formatMoney(money: Money, language: Language, regime: RegimeId): string {
  const exponent = CURRENCY_EXPONENTS[money.currency];
  if (exponent === undefined) throw new RangeError(`unknown currency "${money.currency}"`);
  if (!Number.isSafeInteger(money.amountMinor) || money.amountMinor < 0) {
    throw new RangeError(`amountMinor must be a non-negative integer, got ${money.amountMinor}`);
  }
  return new Intl.NumberFormat(displayLocale(language, regime), {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(money.amountMinor / 10 ** exponent);
}

/** Plain-text layout: no trailing blanks on lines, at most one blank line between paragraphs, no outer blank. */
export function plainText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** One line per escalation route, numbered, with its contact and any time limit. */
function routeLines(routes: readonly EscalationRoute[], language: Language): string {
  return routes
    .map((r, i) =>
      language === 'zh-CN'
        ? `${i + 1}. ${r.body}：${r.contact}${r.within ? `（时限：${r.within}）` : ''}`
        : `${i + 1}. ${r.body}: ${r.contact}${r.within ? ` (time limit: ${r.within})` : ''}`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Facts -> ICU arguments
// ---------------------------------------------------------------------------------------------------------

type Values = Record<string, string | number>;

/** Reads facts defensively: callers are typed, but facts arrive from events and stored records. */
class FactReader {
  constructor(
    private readonly kind: MessageKind,
    private readonly facts: unknown,
  ) {}

  private name(path: string): string {
    return path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  }

  /** The value at a dotted path; an absent object on the way is itself the missing fact. */
  private at(path: string): unknown {
    const steps = path.split('.');
    let value: unknown = this.facts;
    for (const [i, step] of steps.entries()) {
      if (value === undefined || value === null) throw new MissingFactError(this.kind, this.name(steps.slice(0, i).join('.')));
      if (typeof value !== 'object') throw this.invalid(steps.slice(0, i).join('.'), 'must be an object');
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  }

  private present(path: string): unknown {
    const value = this.at(path);
    if (value === undefined || value === null) throw new MissingFactError(this.kind, this.name(path));
    return value;
  }

  invalid(path: string, problem: string): InvalidFactError {
    return new InvalidFactError(this.kind, this.name(path), problem);
  }

  /** Non-blank text, trimmed. */
  text(path: string): string {
    const value = this.present(path);
    if (typeof value !== 'string') throw this.invalid(path, `must be text, got ${typeof value}`);
    if (!value.trim()) throw new MissingFactError(this.kind, this.name(path));
    return plainText(value);
  }

  /** null where the fact is explicitly null; undefined is still a missing fact. */
  nullable<T>(path: string, read: (path: string) => T): T | null {
    const value = this.at(path);
    if (value === undefined) throw new MissingFactError(this.kind, this.name(path));
    return value === null ? null : read(path);
  }

  bool(path: string): boolean {
    const value = this.present(path);
    if (typeof value !== 'boolean') throw this.invalid(path, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string>(path: string, options: readonly T[]): T {
    const value = this.text(path);
    if (!(options as readonly string[]).includes(value)) throw this.invalid(path, `must be one of ${options.join(', ')}, got "${value}"`);
    return value as T;
  }

  regime(): RegimeId {
    return this.oneOf('regime', REGIME_IDS);
  }

  day(path: string, regime: RegimeId, language: Language): string {
    const iso = this.text(path);
    try {
      return formatDay(iso, regime, language);
    } catch (e) {
      throw this.invalid(path, (e as Error).message);
    }
  }

  money(path: string, regime: RegimeId, language: Language): string {
    const amountMinor = this.present(`${path}.amountMinor`);
    const currency = this.text(`${path}.currency`);
    if (typeof amountMinor !== 'number') throw this.invalid(`${path}.amountMinor`, `must be a number, got ${typeof amountMinor}`);
    try {
      return formatMoney({ amountMinor, currency }, language, regime);
    } catch (e) {
      throw this.invalid(path, (e as Error).message);
    }
  }

  routes(path: string): EscalationRoute[] {
    const list = this.present(path);
    if (!Array.isArray(list)) throw this.invalid(path, 'must be a list of escalation routes');
    return list.map((_, i) => ({
      body: this.text(`${path}.${i}.body`),
      contact: this.text(`${path}.${i}.contact`),
      within: this.nullable(`${path}.${i}.within`, (p) => this.text(p)),
    }));
  }

  /** reviewBy and escalateTo, as the final response and the summary resolution state them. */
  rights(regime: RegimeId, language: Language): Values {
    const reviewBy = this.nullable('rights.reviewBy', (p) => this.day(p, regime, language));
    const routes = this.routes('rights.escalateTo');
    return {
      hasReviewBy: reviewBy === null ? 'no' : 'yes',
      reviewBy: reviewBy ?? '',
      routeCount: routes.length,
      routes: routeLines(routes, language),
    };
  }
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/**
 * A fact as an ICU select key. ICU selectors are identifiers and may not contain '-', so the catalogue writes
 * `uk_fca`, `partially_upheld`, `fee_refund` for the facts `uk-fca`, `partially-upheld`, `fee-refund`.
 */
export const selectKey = (value: string) => value.replace(/-/g, '_');

const ARGUMENTS: { readonly [K in MessageKind]: (f: FactReader, language: Language) => Values } = {
  acknowledgement: (f, language) => {
    const regime = f.regime();
    return { ticketNumber: f.text('ticketNumber'), responseDueBy: f.day('responseDueBy', regime, language), regime: selectKey(regime) };
  },
  progress: (f, language) => {
    const regime = f.regime();
    return {
      ticketNumber: f.text('ticketNumber'),
      statusLabel: f.text('statusLabel'),
      responseDueBy: f.day('responseDueBy', regime, language),
      regime: selectKey(regime),
    };
  },
  extension: (f, language) => {
    const regime = f.regime();
    const previousDueBy = f.nullable('previousDueBy', (p) => f.day(p, regime, language));
    return {
      ticketNumber: f.text('ticketNumber'),
      hasPreviousDueBy: yesNo(previousDueBy !== null),
      previousDueBy: previousDueBy ?? '',
      responseDueBy: f.day('responseDueBy', regime, language),
      reason: f.text('reason'),
      regime: selectKey(regime),
    };
  },
  'information-request': (f, language) => {
    const regime = f.regime();
    return { ticketNumber: f.text('ticketNumber'), requested: f.text('requested'), replyBy: f.day('replyBy', regime, language), regime: selectKey(regime) };
  },
  'final-response': (f, language) => {
    const regime = f.regime();
    const remedy = f.nullable('remedy', () => ({ type: f.text('remedy.type'), amount: f.money('remedy.amount', regime, language) }));
    return {
      ticketNumber: f.text('ticketNumber'),
      regime: selectKey(regime),
      outcome: selectKey(f.oneOf('outcome', OUTCOMES)),
      explanation: f.text('explanation'),
      hasRemedy: yesNo(remedy !== null),
      remedyType: remedy ? selectKey(remedy.type) : '',
      remedyAmount: remedy?.amount ?? '',
      ...f.rights(regime, language),
      issuedAt: f.day('issuedAt', regime, language),
    };
  },
  'summary-resolution': (f, language) => {
    const regime = f.regime();
    return { ticketNumber: f.text('ticketNumber'), regime: selectKey(regime), explanation: f.text('explanation'), ...f.rights(regime, language) };
  },
  survey: (f, language) => {
    const regime = f.regime();
    return {
      ticketNumber: f.text('ticketNumber'),
      surveyUrl: f.text('surveyUrl'),
      answerBy: f.day('answerBy', regime, language),
      smsReplyHint: yesNo(f.bool('smsReplyHint')),
    };
  },
  'remedy-paid': (f, language) => {
    const regime = f.regime();
    return {
      ticketNumber: f.text('ticketNumber'),
      remedyType: selectKey(f.oneOf('remedyType', REMEDY_TYPES)),
      amount: f.money('amount', regime, language),
      paidAt: f.day('paidAt', regime, language),
      coreReference: f.text('coreReference'),
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// The catalogue: loaded and compiled once
// ---------------------------------------------------------------------------------------------------------

const PARTS = ['subject', 'body'] as const;
type Part = (typeof PARTS)[number];

interface CompiledMessage {
  format: IntlMessageFormat;
  /** Every ICU argument the message refers to, in any branch. */
  arguments: readonly string[];
}

interface CompiledEntry {
  kind: MessageKind;
  version: number;
  templateId: string;
  messages: Record<Language, Record<Part, CompiledMessage>>;
}

type Ast = ReturnType<IntlMessageFormat['getAst']>;

/** Argument names in an ICU AST, including those inside select and plural branches. */
function argumentNames(ast: Ast, into: Set<string> = new Set()): Set<string> {
  for (const element of ast) {
    if ('options' in element) {
      into.add(element.value);
      for (const option of Object.values(element.options)) argumentNames(option.value, into);
    } else if ('children' in element) {
      argumentNames(element.children, into);
    } else if ('value' in element && element.type !== 0 /* literal */) {
      into.add(element.value);
    }
  }
  return into;
}

/** Parses one ICU source. Tags are literal text (the output is plain text), and every select needs `other`. */
export function compileMessage(source: string, language: Language): CompiledMessage {
  const format = new IntlMessageFormat(source, language, undefined, { ignoreTag: true, requiresOtherClause: true });
  return { format, arguments: [...argumentNames(format.getAst())].sort() };
}

function compileEntry(kind: MessageKind, raw: unknown): CompiledEntry {
  const fail = (problem: string): never => {
    throw new CatalogueError(`catalogue/${kind}.json: ${problem}`);
  };
  const file = (raw ?? {}) as { kind?: unknown; version?: unknown; messages?: Record<string, Record<string, unknown> | undefined> };
  if (file.kind !== kind) fail(`kind is ${JSON.stringify(file.kind)}, expected "${kind}"`);
  if (typeof file.version !== 'number' || !Number.isInteger(file.version) || file.version < 1) fail('version must be a positive integer');
  const version = file.version as number;
  const messages = {} as Record<Language, Record<Part, CompiledMessage>>;
  for (const language of LANGUAGES) {
    const texts = file.messages?.[language];
    const compiled = {} as Record<Part, CompiledMessage>;
    for (const part of PARTS) {
      const source = texts?.[part];
      if (typeof source !== 'string' || !source.trim()) fail(`messages.${language}.${part} is missing`);
      try {
        compiled[part] = compileMessage(source as string, language);
      } catch (e) {
        fail(`messages.${language}.${part} is not valid ICU MessageFormat: ${(e as Error).message}`);
      }
    }
    messages[language] = compiled;
  }
  const [first, ...others] = LANGUAGES.map((language) => PARTS.flatMap((part) => messages[language][part].arguments));
  for (const [i, other] of others.entries()) {
    const a = [...new Set(first)].sort().join(', ');
    const b = [...new Set(other)].sort().join(', ');
    if (a !== b) fail(`${LANGUAGES[0]} uses arguments [${a}] but ${LANGUAGES[i + 1]} uses [${b}]`);
  }
  return { kind, version, templateId: `${kind}@v${version}`, messages };
}

const FILES: Readonly<Record<MessageKind, unknown>> = {
  acknowledgement: acknowledgementFile,
  progress: progressFile,
  extension: extensionFile,
  'information-request': informationRequestFile,
  'final-response': finalResponseFile,
  'summary-resolution': summaryResolutionFile,
  survey: surveyFile,
  'remedy-paid': remedyPaidFile,
};

const CATALOGUE = Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, compileEntry(kind, FILES[kind])])) as Readonly<Record<MessageKind, CompiledEntry>>;

/** The version of each kind's texts, as it goes into templateIds. */
export function catalogueVersions(): Record<MessageKind, number> {
  return Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, CATALOGUE[kind].version])) as Record<MessageKind, number>;
}

/** The ICU argument names a kind's subject and body use in a language (sorted, deduplicated). */
export function messageArguments(kind: MessageKind, language: Language): string[] {
  return [...new Set(PARTS.flatMap((part) => CATALOGUE[kind].messages[language][part].arguments))].sort();
}

function format(kind: MessageKind, message: CompiledMessage, values: Values): string {
  for (const name of message.arguments) {
    if (values[name] === undefined || values[name] === null) throw new MissingFactError(kind, name);
  }
  const out = message.format.format(values);
  return plainText(typeof out === 'string' ? out : [out].flat().join(''));
}

/** Renders one message from the catalogue. Throws MissingFactError / InvalidFactError rather than guess. */
export function renderMessage<K extends MessageKind>(kind: K, language: Language, facts: MessageFacts[K]): RenderedMessage {
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown message kind "${kind}"`);
  if (!LANGUAGES.includes(language)) throw new RangeError(`unsupported language "${language}"`);
  if (facts === null || typeof facts !== 'object') throw new MissingFactError(kind, 'facts');
  const entry = CATALOGUE[kind];
  const values = ARGUMENTS[kind](new FactReader(kind, facts), language);
  return {
    kind,
    language,
    templateId: entry.templateId,
    subject: format(kind, entry.messages[language].subject, values).replace(/\s*\n\s*/g, ' '),
    body: format(kind, entry.messages[language].body, values),
  };
}
