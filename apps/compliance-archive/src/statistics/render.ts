import ExcelJS from 'exceljs';
import { CellValue, StatColumn, StatReport } from './tables';

/** The columns of the CSV: one line per table, row and number (a uniform shape, so every line has the same fields). */
export const CSV_HEADER = ['table', 'code', 'label', 'label_en', 'measure', 'value'] as const;

/** A field as RFC 4180 wants it: quoted when it holds a comma, quote, CR or LF, quotes doubled. */
export function csvField(value: CellValue): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Formula injection: a text cell starting with = + - @ (or tab / CR) is shown as text in spreadsheets. */
const safeText = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/**
 * The report as CSV (RFC 4180: CRLF line ends, header row), UTF-8 with a byte order mark so Excel
 * reads the Chinese names correctly. Long shape: `table, code, name, name_en, measure, value`,
 * one line per number of each table.
 */
export function toCsv(report: StatReport): Buffer {
  const lines: string[] = [CSV_HEADER.join(',')];
  for (const table of report.tables) {
    const values = table.columns.filter((c) => c.type !== 'text');
    for (const row of table.rows) {
      for (const column of values) {
        const keys = [table.sheet, row.code, row.label, row.labelEn].map((v) => csvField(v === null || v === undefined ? null : safeText(String(v))));
        lines.push([...keys, csvField(column.key), csvField(row[column.key] ?? null)].join(','));
      }
    }
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

const NUMBER_FORMATS: Record<StatColumn['type'], string | undefined> = { text: undefined, count: '0', percent: '0.0', money: '#,##0.00' };

/** Sheet names: at most 31 characters, none of \ / ? * [ ] :, unique. */
const sheetName = (name: string, taken: Set<string>) => {
  const base = name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31) || 'Sheet';
  let out = base;
  for (let i = 2; taken.has(out.toLowerCase()); i += 1) out = `${base.slice(0, 28)} ${i}`;
  taken.add(out.toLowerCase());
  return out;
};

/**
 * The report as an XLSX workbook: a sheet per table, the header row bold and frozen, column
 * widths to fit, numbers stored as numbers; a last sheet says what the report covers.
 */
export async function toXlsx(report: StatReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'complaints compliance-archive';
  workbook.created = new Date(report.generatedAt);
  const taken = new Set<string>();
  for (const table of report.tables) {
    const sheet = workbook.addWorksheet(sheetName(table.sheet, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = table.columns.map((c) => ({
      header: c.title,
      key: c.key,
      width: Math.min(60, Math.max(displayWidth(c.title), ...table.rows.map((r) => displayWidth(String(r[c.key] ?? '')))) + 2),
      style: NUMBER_FORMATS[c.type] ? { numFmt: NUMBER_FORMATS[c.type] } : {},
    }));
    sheet.getRow(1).font = { bold: true };
    for (const row of table.rows) {
      sheet.addRow(Object.fromEntries(table.columns.map((c) => [c.key, c.type === 'text' ? (row[c.key] === null ? null : safeText(String(row[c.key]))) : row[c.key]])));
    }
  }
  const about = workbook.addWorksheet(sheetName('about', taken));
  about.columns = [
    { header: 'Field', key: 'field', width: 16 },
    { header: 'Value', key: 'value', width: 100 },
  ];
  about.getRow(1).font = { bold: true };
  about.addRow({ field: 'report', value: report.title });
  about.addRow({ field: 'from', value: report.from });
  about.addRow({ field: 'to (exclusive)', value: report.to });
  about.addRow({ field: 'generated at', value: report.generatedAt });
  for (const note of report.notes) about.addRow({ field: 'note', value: note });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Characters wide in a spreadsheet: CJK characters take two columns. */
const displayWidth = (text: string) => [...text].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
