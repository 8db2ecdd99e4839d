import { maskValue } from '@complaints/domain';
import { maskPersonalData, PERSONAL_DATA_FIELDS } from './personal-data';

/** The fields the module documents as personal data; dropping one from the list must fail here. */
const DOCUMENTED = [
  'name', 'fullName', 'phone', 'mobile', 'email', 'idNumber', 'idCardNumber', 'accountNumber',
  'cardNumber', 'address', 'postalAddress', 'agentName', 'heirName', 'customerId', 'channelUserId',
  'fileName',
] as const;

/** A distinct clear value per field, long enough that masking changes it. */
const clear = (field: string) => `${field}-clear-value-0123456789`;
const masked = (field: string) => (field === 'fileName' ? '*'.repeat(clear(field).length) : maskValue(clear(field)));

const everyField = () => Object.fromEntries(PERSONAL_DATA_FIELDS.map((f) => [f, clear(f)]));
const everyFieldMasked = () => Object.fromEntries(PERSONAL_DATA_FIELDS.map((f) => [f, masked(f)]));

describe('maskPersonalData — which fields', () => {
  it('PERSONAL_DATA_FIELDS_coversEveryDocumentedField', () => {
    expect([...PERSONAL_DATA_FIELDS]).toEqual(expect.arrayContaining([...DOCUMENTED]));
  });

  it('maskPersonalData_atTopLevel_masksEveryPersonalField', () => {
    const out = maskPersonalData(everyField());
    expect(out).toEqual(everyFieldMasked());
    for (const f of PERSONAL_DATA_FIELDS) {
      expect(out[f]).not.toBe(clear(f));
      expect(out[f]).toMatch(f === 'fileName' ? /^\*+$/ : /^\*+6789$/);
      expect(out[f]).toHaveLength(clear(f).length);
    }
  });

  it.each([...DOCUMENTED])('maskPersonalData_field_%s_isMaskedAtAnyDepth', (field) => {
    const input = { case: { complainant: { contact: { [field]: clear(field) } } } };
    expect(maskPersonalData(input)).toEqual({ case: { complainant: { contact: { [field]: masked(field) } } } });
  });

  it('maskPersonalData_identifiersOfTheCustomer_areMasked', () => {
    const input = { complainant: { customerId: 'C-20260101-7788', channelUserId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', name: '张三' } };
    expect(maskPersonalData(input)).toEqual({ complainant: { customerId: `${'*'.repeat(11)}7788`, channelUserId: `${'*'.repeat(24)}fL2M`, name: '**' } });
  });

  it('maskPersonalData_fileName_keepsOnlyTheExtension', () => {
    const input = { attachments: [{ reference: 'fs:abc', mediaType: 'image/jpeg', fileName: '身份证_张三.jpg' }, { fileName: '张三身份证' }, { fileName: '流水.张三' }] };
    expect(maskPersonalData(input)).toEqual({ attachments: [{ reference: 'fs:abc', mediaType: 'image/jpeg', fileName: '******.jpg' }, { fileName: '*****' }, { fileName: '*****' }] });
  });

  it('maskPersonalData_shortValues_areFullyMasked', () => {
    expect(maskPersonalData({ name: '张三', phone: '1234', email: '' })).toEqual({ name: '**', phone: '****', email: '' });
  });

  it('maskPersonalData_insideArrays_masksEveryElement', () => {
    const input = {
      complaints: [
        { id: 'c-1', complainant: { name: '张三丰', phone: '13800138000' } },
        { id: 'c-2', complainant: { name: 'Li Lei', phone: '13900139000' } },
      ],
      matrix: [[{ idNumber: '11010519491231002X' }], [{ cardNumber: '6222020200112233445' }]],
    };
    expect(maskPersonalData(input)).toEqual({
      complaints: [
        { id: 'c-1', complainant: { name: '***', phone: '*******8000' } },
        { id: 'c-2', complainant: { name: '** Lei', phone: '*******9000' } },
      ],
      matrix: [[{ idNumber: '**************002X' }], [{ cardNumber: '***************3445' }]],
    });
  });

  it('maskPersonalData_topLevelArray_isMasked', () => {
    expect(maskPersonalData([{ email: 'zhang.san@bank.example' }, 'name', 42])).toEqual([
      { email: maskValue('zhang.san@bank.example') },
      'name',
      42,
    ]);
  });

  it('maskPersonalData_otherKeys_areLeftAlone', () => {
    const input = {
      id: 'c-1',
      caseNumber: 'CMP-2025-000123',
      status: 'investigating',
      description: 'card 6222020200112233445 was charged twice',
      channel: 'phone',
      // Near misses: not personal-data fields.
      username: 'zhang.san',
      Name: 'Zhang San',
      phoneNumber: '13800138000',
      emailVerified: 'yes',
      names: 'a list',
    };
    expect(maskPersonalData(input)).toEqual(input);
  });

  it('maskPersonalData_nonStringValues_areLeftAlone', () => {
    const when = new Date('2025-03-01T08:00:00Z');
    const input = { amountMinor: 150_00, escalated: true, note: null, due: when, missing: undefined, name: null, phone: undefined, tags: [1, false, null] };
    const out = maskPersonalData(input);
    expect(out).toEqual(input);
    expect(out.due).toBe(when);
    expect(Object.keys(out)).toEqual(Object.keys(input));
  });

  it('maskPersonalData_multiLinePostalAddress_keepsNoLineOfIt', () => {
    const postalAddress = '上海市浦东新区世纪大道100号\n环球金融中心 25 楼\n200120';
    const out = maskPersonalData({ complainant: { name: '张秀英', postalAddress } });
    expect(out.complainant.postalAddress).toBe(maskValue(postalAddress));
    for (const line of postalAddress.split('\n')) expect(out.complainant.postalAddress).not.toContain(line);
  });

  it('maskPersonalData_personalFieldHoldingAnObject_masksWithinIt', () => {
    const out = maskPersonalData({ address: { line1: 'x', agentName: '王五王五王五' } });
    expect(out).toEqual({ address: { line1: 'x', agentName: '**王五王五' } });
  });
});

describe('maskPersonalData — values that are not objects', () => {
  it.each([null, undefined, 'name', 0, 42, true, 10n])('maskPersonalData_scalar_%p_isReturnedAsIs', (value) => {
    expect(maskPersonalData(value)).toBe(value);
  });

  it('maskPersonalData_date_isReturnedAsIs', () => {
    const d = new Date(0);
    expect(maskPersonalData(d)).toBe(d);
  });
});

describe('maskPersonalData — the input', () => {
  it('maskPersonalData_doesNotMutateTheInput', () => {
    const input = {
      complainant: { name: '张三丰', phone: '13800138000', ids: [{ idNumber: '11010519491231002X' }] },
      list: [{ email: 'a@b.example' }],
    };
    const snapshot = structuredClone(input);
    const out = maskPersonalData(input);
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.complainant).not.toBe(input.complainant);
    expect(out.complainant.ids).not.toBe(input.complainant.ids);
    expect(out.complainant.ids[0]).not.toBe(input.complainant.ids[0]);
    expect(out.list[0].email).not.toBe('a@b.example');
  });

  it('maskPersonalData_frozenInput_isCopiedNotWritten', () => {
    const input = Object.freeze({ name: 'Zhang San', nested: Object.freeze({ phone: '13800138000' }) });
    expect(maskPersonalData(input)).toEqual({ name: '***** San', nested: { phone: '*******8000' } });
  });
});

describe('maskPersonalData — depth limit', () => {
  /** `{ child: { child: ... { phone } } }` with `levels` objects above the leaf holding the phone. */
  const nest = (levels: number) => {
    let value: Record<string, unknown> = { phone: '13800138000' };
    for (let i = 0; i < levels; i++) value = { child: value };
    return value;
  };
  const leafOf = (value: Record<string, unknown>) => {
    let v = value;
    while ('child' in v) v = v.child as Record<string, unknown>;
    return v;
  };

  it('maskPersonalData_withinTheLimit_masksTheDeepestField', () => {
    // The leaf object is reached at depth 32, the last one still walked.
    expect(leafOf(maskPersonalData(nest(32)))).toEqual({ phone: '*******8000' });
  });

  it('maskPersonalData_pastTheLimit_withholdsTheDeepPart', () => {
    const out = maskPersonalData(nest(33));
    expect(JSON.stringify(out)).not.toContain('13800138000');
    expect(JSON.stringify(out)).toContain('[withheld: nested too deeply to check]');
  });

  it('maskPersonalData_numericPersonalField_isMaskedLikeText', () => {
    expect(maskPersonalData({ phone: 13800138000, cardNumber: 6222021234567890 })).toEqual({ phone: '*******8000', cardNumber: '************7890' });
  });

  it('maskPersonalData_veryDeepObject_doesNotThrow', () => {
    const input = nest(200_000);
    const out = maskPersonalData({ name: 'Zhang San', deep: input });
    expect(out.name).toBe(maskValue('Zhang San'));
    expect(JSON.stringify(out)).not.toContain('13800138000');
  });

  it('maskPersonalData_cyclicObject_doesNotThrow', () => {
    const input: Record<string, unknown> = { name: 'Zhang San' };
    input.self = input;
    const out = maskPersonalData(input);
    expect(out.name).toBe('***** San');
    expect((out.self as Record<string, unknown>).name).toBe('***** San');
    expect(out.self).not.toBe(input);
    // 33 masked copies, then the rest withheld rather than passed on in clear.
    let v = out;
    for (let i = 0; i < 32; i++) v = v.self as Record<string, unknown>;
    expect(v.name).toBe(maskValue('Zhang San'));
    expect(v.self).toBe('[withheld: nested too deeply to check]');
  });
});
