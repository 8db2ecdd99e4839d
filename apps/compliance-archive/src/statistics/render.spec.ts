import ExcelJS from 'exceljs';
import { csvField, toCsv, toXlsx } from './render';
import { StatReport } from './tables';

const report: StatReport = {
  report: 'jrt0169',
  title: 'JR/T 0169',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  generatedAt: '2026-12-01T08:00:00.000Z',
  notes: ['a note'],
  tables: [
    {
      sheet: 'B',
      title: 'B',
      columns: [
        { key: 'code', title: 'Code', type: 'text' },
        { key: 'label', title: 'Name', type: 'text' },
        { key: 'labelEn', title: 'Name (English)', type: 'text' },
        { key: 'complaints', title: 'Complaints', type: 'count' },
        { key: 'share', title: 'Share', type: 'percent' },
      ],
      rows: [
        { code: 'B03', label: '银行卡', labelEn: 'Bank cards, "debit" and credit', complaints: 2, share: 66.7 },
        { code: 'B99', label: '其他', labelEn: '=HYPERLINK("x")', complaints: 1, share: null },
      ],
    },
  ],
};

describe('statistics rendering', () => {
  it('quotes CSV fields as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(66.7)).toBe('66.7');
  });

  it('writes UTF-8 CSV with a byte order mark, CRLF lines, a header and one line per number', () => {
    const csv = toCsv(report);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString('utf8')).toBe(
      [
        'table,code,label,label_en,measure,value',
        'B,B03,银行卡,"Bank cards, ""debit"" and credit",complaints,2',
        'B,B03,银行卡,"Bank cards, ""debit"" and credit",share,66.7',
        `B,B99,其他,"'=HYPERLINK(""x"")",complaints,1`,
        `B,B99,其他,"'=HYPERLINK(""x"")",share,`,
        '',
      ].join('\r\n'),
    );
  });

  it('writes a workbook with a sheet per table, bold header, widths and numbers as numbers', async () => {
    const workbook = new ExcelJS.Workbook();
    const bytes = await toXlsx(report);
    await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['B', 'about']);
    const sheet = workbook.getWorksheet('B')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'Code', 'Name', 'Name (English)', 'Complaints', 'Share']);
    expect(sheet.getRow(1).font?.bold ?? sheet.getCell('A1').font?.bold).toBe(true);
    expect(sheet.getCell('B2').value).toBe('银行卡');
    expect(sheet.getCell('D2').value).toBe(2);
    expect(typeof sheet.getCell('E2').value).toBe('number');
    expect(sheet.getCell('E2').numFmt).toBe('0.0');
    expect(sheet.getCell('C3').value).toBe(`'=HYPERLINK("x")`);
    expect(sheet.getCell('E3').value).toBeNull();
    expect(sheet.getColumn(3).width).toBeGreaterThanOrEqual('Bank cards, "debit" and credit'.length);
  });
});
