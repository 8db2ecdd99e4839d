import { classifyByTerms, findCode, TAXONOMY_IDS, taxonomyById, topLevelCodes, validateTaxonomy } from './taxonomy-registry';
import { Taxonomy } from './taxonomy';

describe('shipped taxonomies', () => {
  it('ships cn-jrt0169 and us-cfpb', () => {
    expect(TAXONOMY_IDS).toEqual(['cn-jrt0169', 'us-cfpb']);
  });

  it.each(TAXONOMY_IDS)('%s: every code is unique, named, has a known parent and a fallback', (id) => {
    expect(validateTaxonomy(taxonomyById(id))).toEqual([]);
  });

  it('cn-jrt0169 maps every intake channel to an A code and has the "other" codes 99', () => {
    const t = taxonomyById('cn-jrt0169');
    for (const channel of ['branch', 'hotline', 'mobile-app', 'web', 'wechat', 'email', 'chatbot', 'regulator']) {
      expect(findCode(t.channel!, t.channel!.fromIntakeChannel[channel])).toBeDefined();
    }
    expect(t.product.fallbackCode).toBe('B99');
    expect(t.category.fallbackCode).toBe('C99');
    expect(topLevelCodes(t.product).every((c) => /^B\d\d$/.test(c.code))).toBe(true);
    expect(topLevelCodes(t.category).every((c) => /^C\d\d$/.test(c.code))).toBe(true);
  });

  it('us-cfpb lists the CFPB products of the labelled data', () => {
    const names = taxonomyById('us-cfpb').product.codes.map((c) => c.name);
    expect(names).toContain('Credit reporting or other personal consumer reports');
    expect(names).toContain('Money transfer, virtual currency, or money service');
    expect(names).toHaveLength(11);
  });

  it('refuses an unknown taxonomy by name', () => {
    expect(() => taxonomyById('uk-fos')).toThrow('unknown taxonomy "uk-fos": one of cn-jrt0169, us-cfpb');
  });
});

describe('validateTaxonomy', () => {
  const broken: Taxonomy = {
    id: 'broken',
    version: 1,
    title: 'x',
    source: 'x',
    product: { classifiedBy: 'model', fallbackCode: 'P9', codes: [{ code: 'P1', name: 'a' }, { code: 'P1', name: 'b' }] },
    category: { classifiedBy: 'terms', fallbackCode: 'C9', codes: [{ code: 'C9', name: '' }, { code: 'C11', name: 'c', parent: 'C1' }] },
    channel: { classifiedBy: 'channel', fallbackCode: 'A9', codes: [{ code: 'A9', name: 'other' }], fromIntakeChannel: { web: 'A1' } },
  };
  it('names every problem', () => {
    expect(validateTaxonomy(broken)).toEqual([
      'product: code P1 repeats',
      'product: fallback code P9 is not a code',
      'category: code C9 has no name',
      'category: code C11 has unknown parent C1',
      'channel: intake channel web maps to unknown code A1',
    ]);
  });
});

describe('classifyByTerms', () => {
  const { category } = taxonomyById('us-cfpb');
  it('picks the code with the most matching terms and names the term', () => {
    expect(classifyByTerms(category, 'They charged a late fee and interest twice')).toEqual({ code: 'fees-or-interest', term: 'fee' });
  });
  it('falls back when no term matches', () => {
    expect(classifyByTerms(category, 'Nothing relevant here')).toEqual({ code: 'other', term: null });
  });
});
