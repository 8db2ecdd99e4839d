/**
 * Statistics tables: the same tables go out as JSON, CSV and XLSX (statistics/render.ts). Every
 * table's rows are keyed by `code`, `label` and `labelEn` (not `name`, which responses mask as personal data); the other columns hold numbers.
 */
export const REPORTS = ['jrt0169', 'uk-return'] as const;
export type ReportName = (typeof REPORTS)[number];
export const FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export type CellValue = string | number | null;

export interface StatColumn {
  key: string;
  title: string;
  /** `text` for the row's code and names; `count` whole numbers; `percent` 0-100 with one decimal; `money` major units of a currency. */
  type: 'text' | 'count' | 'percent' | 'money';
}

export interface StatTable {
  /** Short, stable name (CSV `table` column, XLSX sheet name). */
  sheet: string;
  title: string;
  columns: StatColumn[];
  rows: Record<string, CellValue>[];
}

export interface StatReport {
  report: ReportName;
  title: string;
  /** The period, inclusive from, exclusive to, as ISO 8601 UTC. */
  from: string;
  to: string;
  generatedAt: string;
  notes: string[];
  tables: StatTable[];
}

/** Money per currency, in minor units. */
export interface StatMoney {
  currency: string;
  amountMinor: number;
}

/**
 * One time a complaint was closed: a final response sent, or a withdrawal before one. A complaint
 * reopened and answered again is closed again (statistics/closures.ts).
 */
export interface StatClosure {
  closedAt: Date;
  kind: 'final-response' | 'withdrawal';
  /** The decision that response gave; null for a withdrawal, or an answer with no decision on record. */
  outcome: 'upheld' | 'partially-upheld' | 'not-upheld' | null;
  /** The standing remedies the decisions of this closure granted, by currency. */
  redress: StatMoney[];
}

/** One complaint, as the statistics read it from the complaint index. */
export interface StatComplaint {
  complaintId: string;
  receivedAt: Date | null;
  channel: string | null;
  channelCode: string | null;
  taxonomy: string | null;
  productCode: string | null;
  causeCode: string | null;
  outcome: 'upheld' | 'partially-upheld' | 'not-upheld' | null;
  /** When the first final response went out. */
  respondedAt: Date | null;
  /** closed_at of the index: the latest answer with a decision, or the withdrawal. */
  closedAt: Date | null;
  /** The complaint's standing remedies (latest amount, not withdrawn, rejected or reversed), by currency. */
  redress: StatMoney[];
  /**
   * Every closure, oldest first. Without them (a caller holding the index row only) the complaint
   * counts as closed once, at respondedAt (or closedAt), with the row's outcome and redress: wrong
   * for a complaint reopened since, so the statistics route always gives them.
   */
  closures?: StatClosure[];
}

export const KEY_COLUMNS: StatColumn[] = [
  { key: 'code', title: 'Code', type: 'text' },
  { key: 'label', title: 'Name', type: 'text' },
  { key: 'labelEn', title: 'Name (English)', type: 'text' },
];

export const UNCLASSIFIED = { code: 'unclassified', label: '尚未分类', labelEn: 'not yet classified' } as const;
export const UNKNOWN_CODE = { code: 'unknown', label: '编码不在分类标准中', labelEn: 'code not in the taxonomy' } as const;
export const TOTAL = { code: 'total', label: '合计', labelEn: 'Total' } as const;

/** Whether an instant lies in [from, to). */
export const inPeriod = (at: Date | null, from: Date, to: Date): at is Date => at !== null && at.getTime() >= from.getTime() && at.getTime() < to.getTime();
