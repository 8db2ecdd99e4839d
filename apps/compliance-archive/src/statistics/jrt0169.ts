import { findCode, Taxonomy, TaxonomyCode, TaxonomyDimension, topLevelCodes } from '@complaints/taxonomy';
import { inPeriod, KEY_COLUMNS, StatComplaint, StatTable, TOTAL, UNCLASSIFIED, UNKNOWN_CODE } from './tables';

/**
 * JR/T 0169-2018 tables for complaints received in [from, to): counts by dimension A (channel),
 * B (business type) and C (cause), and B × C. Every code of the standard has its row, zero or
 * not, so the regulator's table is complete; a code's count includes its sub-codes. Complaints
 * without a code are "not yet classified"; a code the standard does not have (another
 * taxonomy's, a typo in a retriage) is counted under "code not in the taxonomy".
 */
export function buildJrt0169(complaints: StatComplaint[], taxonomy: Taxonomy, from: Date, to: Date): StatTable[] {
  const received = complaints.filter((c) => inPeriod(c.receivedAt, from, to));
  const channelOf = (c: StatComplaint): string | null => c.channelCode ?? (c.channel ? (taxonomy.channel?.fromIntakeChannel[c.channel] ?? null) : null);
  const tables: StatTable[] = [];
  if (taxonomy.channel) tables.push(dimensionTable('A', 'A 投诉渠道 / Channel', taxonomy.channel, received.map(channelOf)));
  tables.push(dimensionTable('B', 'B 业务办理 / Business type', taxonomy.product, received.map((c) => c.productCode)));
  tables.push(dimensionTable('C', 'C 投诉原因 / Cause', taxonomy.category, received.map((c) => c.causeCode)));
  tables.push(crossTable(taxonomy.product, taxonomy.category, received));
  return tables;
}

const count = { type: 'count' as const };

/** The top-level code a code falls under; null for a code the dimension does not have. */
export function topLevelOf(dimension: TaxonomyDimension, code: string): TaxonomyCode | null {
  let current = findCode(dimension, code);
  for (let hops = 0; current?.parent && hops < 10; hops += 1) current = findCode(dimension, current.parent);
  return current && !current.parent ? current : null;
}

/** The code and every code above it. */
function lineage(dimension: TaxonomyDimension, code: string): string[] {
  const out: string[] = [];
  let current = findCode(dimension, code);
  for (let hops = 0; current && hops < 10; hops += 1) {
    out.push(current.code);
    current = current.parent ? findCode(dimension, current.parent) : undefined;
  }
  return out;
}

const label = (c: { code: string; name: string; nameEn?: string }) => ({ code: c.code, label: c.name, labelEn: c.nameEn ?? c.name });

function dimensionTable(name: string, title: string, dimension: TaxonomyDimension, codes: (string | null)[]): StatTable {
  const counts = new Map<string, number>();
  let unclassified = 0;
  let unknown = 0;
  for (const code of codes) {
    if (code === null) unclassified += 1;
    else if (!findCode(dimension, code)) unknown += 1;
    else for (const c of lineage(dimension, code)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const rows = dimension.codes.map((c) => ({ ...label(c), complaints: counts.get(c.code) ?? 0 }));
  rows.push({ ...UNCLASSIFIED, complaints: unclassified });
  if (unknown > 0) rows.push({ ...UNKNOWN_CODE, complaints: unknown });
  rows.push({ ...TOTAL, complaints: codes.length });
  return { sheet: name, title, columns: [...KEY_COLUMNS, { key: 'complaints', title: 'Complaints', ...count }], rows };
}

function crossTable(product: TaxonomyDimension, cause: TaxonomyDimension, received: StatComplaint[]): StatTable {
  const bucket = (dimension: TaxonomyDimension, code: string | null) => (code === null ? UNCLASSIFIED.code : (topLevelOf(dimension, code)?.code ?? UNKNOWN_CODE.code));
  const cells = new Map<string, number>();
  const seenUnknown = { b: false, c: false };
  for (const c of received) {
    const b = bucket(product, c.productCode);
    const k = bucket(cause, c.causeCode);
    if (b === UNKNOWN_CODE.code) seenUnknown.b = true;
    if (k === UNKNOWN_CODE.code) seenUnknown.c = true;
    cells.set(`${b}|${k}`, (cells.get(`${b}|${k}`) ?? 0) + 1);
  }
  const causeColumns = [...topLevelCodes(cause).map(label), UNCLASSIFIED, ...(seenUnknown.c ? [UNKNOWN_CODE] : [])];
  const productRows = [...topLevelCodes(product).map(label), UNCLASSIFIED, ...(seenUnknown.b ? [UNKNOWN_CODE] : [])];
  const rows = productRows.map((b) => {
    const row: Record<string, string | number> = { ...b };
    let total = 0;
    for (const k of causeColumns) {
      const n = cells.get(`${b.code}|${k.code}`) ?? 0;
      row[k.code] = n;
      total += n;
    }
    row.total = total;
    return row;
  });
  const totals: Record<string, string | number> = { ...TOTAL };
  for (const k of [...causeColumns.map((c) => c.code), 'total']) totals[k] = rows.reduce((sum, r) => sum + Number(r[k]), 0);
  rows.push(totals);
  return {
    sheet: 'BxC',
    title: 'B × C 业务办理 × 投诉原因 / Business type × cause',
    columns: [...KEY_COLUMNS, ...causeColumns.map((k) => ({ key: k.code, title: k.code === UNCLASSIFIED.code || k.code === UNKNOWN_CODE.code ? k.labelEn : `${k.code} ${k.label}`, ...count })), { key: 'total', title: 'Total', ...count }],
    rows,
  };
}
