import { randomUUID } from 'node:crypto';
import { canonicalJson, chainHash, GENESIS_HASH } from '../archive/hash-chain';
import { composeDossier, Dossier, DossierEntry } from './compose-dossier';
import { bothTimes, renderDossierPdf } from './render-dossier-pdf';
import { embeddedFontNames, flatText, infoString, pageTexts } from './testing/pdf-text';
import { SAMPLE_EXPLANATION, SAMPLE_TICKET, sampleComplaint } from './testing/sample-complaint';

jest.setTimeout(30_000);

function dossierOf(envelopes: Record<string, unknown>[]): Dossier {
  let prev = GENESIS_HASH;
  const entries: DossierEntry[] = envelopes.map((envelope, i) => {
    const canonical = canonicalJson(envelope);
    const entryHash = chainHash(prev, canonical);
    const entry = { seq: String(i + 1), canonical, prevHash: prev, entryHash, precedingHash: prev };
    prev = entryHash;
    return entry;
  });
  return composeDossier(String(envelopes[0].complaintId), entries);
}

describe('renderDossierPdf', () => {
  const dossier = dossierOf(sampleComplaint().map((e) => e.envelope));
  let pdf: Buffer;

  beforeAll(async () => {
    pdf = await renderDossierPdf(dossier);
  });

  it('is a whole PDF with Noto Sans SC embedded as subsets', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1').trim()).toBe('%%EOF');
    const fonts = embeddedFontNames(pdf);
    expect(fonts).toEqual(expect.arrayContaining([expect.stringMatching(/^[A-Z]{6}\+NotoSansSC-Regular$/), expect.stringMatching(/^[A-Z]{6}\+NotoSansSC-Bold$/)]));
    // a subset, not the 10 MB font
    expect(pdf.length).toBeLessThan(1_000_000);
  });

  it('names the ticket and the first Chinese timeline label in its metadata', () => {
    expect(infoString(pdf, 'Title')).toBe(`投诉档案 ${SAMPLE_TICKET}`);
    expect(infoString(pdf, 'Subject')).toBe(`投诉档案 Complaint dossier ${SAMPLE_TICKET}: 收到投诉 Complaint received`);
  });

  it('shows the header, the Chinese timeline in both time zones, the decision as stored, the letters and the hashes', () => {
    const text = flatText(pdf);
    const has = (s: string) => expect(text).toContain(s.replace(/\s+/g, ''));
    has(`投诉编号 Ticket ${SAMPLE_TICKET}`);
    has(`档案哈希 Dossier hash ${dossier.dossierHash}`);
    has('尚未封存 not sealed yet');
    for (const label of ['收到投诉 Complaint received', '分类分派 Triaged', '立案调查 Case opened', '处理决定 Decision', '补偿方案 Remedy proposed', '发送函件 Letter sent']) has(label);
    has('2026-11-20 09:30:00 北京时间');
    has('2026-11-20 01:30:00 UTC');
    has(`说明 Explanation: ${SAMPLE_EXPLANATION}`);
    has('投诉成立 upheld');
    has('最终答复 final response');
    has('受理通知 acknowledgement');
    for (const e of dossier.evidence.entries) has(e.entryHash);
  });

  it('puts the page number and the dossier hash in the footer of every page', () => {
    const pages = pageTexts(pdf);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      const flat = page.replace(/\s+/g, '');
      expect(flat).toContain(`第${i + 1}页/共${pages.length}页·Page${i + 1}of${pages.length}`);
      expect(flat).toContain(`dossierhash${dossier.dossierHash}`);
    });
  });

  it('says so when the dossier does not match its seal or the chain is broken', async () => {
    const broken: Dossier = {
      ...dossier,
      dossierHashCovers: { ...dossier.dossierHashCovers, matchesSeal: false },
      integrity: { entriesVerified: 9, chainIntact: false, problems: [{ seq: 4, problem: 'entry content does not match its hash' }], checkpoints: null },
    };
    const text = flatText(await renderDossierPdf(broken));
    expect(text).toContain('与封存不符DOESNOTMATCHTHESEAL');
    expect(text).toContain('校验失败FAILED:seq4:entrycontentdoesnotmatchitshash');
    expect(text).not.toContain('verified');
  });

  it('says what its verdict covers: this complaint\'s entries and their links on both sides, and the signed checkpoints over them', async () => {
    const text = flatText(await renderDossierPdf({ ...dossier, integrity: { ...dossier.integrity, checkpoints: { entriesCovered: 7, notYetCovered: [8, 9] } } }));
    expect(text).toContain('本投诉9条记录及其在哈希链中的前后链接校验通过9entriesofthiscomplaintverified,eachwithitslinkstotheentriesbeforeandafteritinthehashchain(thewholechain:GET/v1/archive/integrity)');
    expect(text).toContain('签名检查点Signedcheckpoints7of9entriesunderasignedcheckpointthatverifies;notyetunderone:seq8,9');
  });

  it('does not certify an entry rewritten with its hash recomputed: the entry after it no longer links to it', async () => {
    const envelopes = sampleComplaint().map((e) => e.envelope);
    let prev = GENESIS_HASH;
    const entries: DossierEntry[] = envelopes.map((envelope, i) => {
      const canonical = canonicalJson(envelope);
      const entryHash = chainHash(prev, canonical);
      const entry = { seq: String(i + 1), canonical, prevHash: prev, entryHash, precedingHash: prev, followingHash: null as string | null };
      prev = entryHash;
      return entry;
    });
    entries.forEach((e, i) => (e.followingHash = entries[i + 1]?.prevHash ?? e.entryHash));
    const decision = entries[6];
    const canonical = decision.canonical.replace('"outcome":"upheld"', '"outcome":"not-upheld"');
    entries[6] = { ...decision, canonical, entryHash: chainHash(decision.prevHash, canonical) };
    const text = flatText(await renderDossierPdf(composeDossier(String(envelopes[0].complaintId), entries)));
    expect(text).toContain('校验失败FAILED:seq7:theentryafteritdoesnotlinktoit');
    expect(text).not.toContain('verified');
  });

  it('flags the events the seal does not cover, and a record reopened after its seal', async () => {
    const late: Dossier = {
      ...dossier,
      sealed: { dossierHash: dossier.dossierHash, sealedAt: '2026-11-20T03:00:00.000Z', entries: 2, lastEntrySeq: 2 },
      dossierHashCovers: { ...dossier.dossierHashCovers, matchesSeal: true, notCovered: [{ seq: 7, type: 'case.resolved' }] },
    };
    const text = flatText(await renderDossierPdf(late));
    expect(text).toContain('未纳入封存NOTCOVEREDBYTHESEALseq7处理决定Decision');
    expect(text).toContain('处理决定Decision(未纳入封存notcoveredbytheseal)');

    const reopened: Dossier = { ...dossier, sealed: null, reopened: { seq: 12, type: 'case.reopened', at: '2026-11-25T02:00:00.000Z' } };
    expect(flatText(await renderDossierPdf(reopened))).toContain('封存Sealed重新处理中，尚未再次封存reopened(Reopened,seq12,2026-11-2510:00:00北京时间/2026-11-2502:00:00UTC):notsealedagainyet');
  });

  it('renders times in Beijing time and UTC whatever offset they were written with', () => {
    expect(bothTimes('2026-11-20T23:30:00+08:00')).toEqual({ local: '2026-11-20 23:30:00 北京时间', utc: '2026-11-20 15:30:00 UTC' });
    expect(bothTimes('2026-11-20T20:00:00.000Z')).toEqual({ local: '2026-11-21 04:00:00 北京时间', utc: '2026-11-20 20:00:00 UTC' });
  });

  it('renders an empty dossier without failing', async () => {
    const empty = composeDossier(randomUUID(), []);
    const out = await renderDossierPdf(empty);
    expect(infoString(out, 'Subject')).toBe(`投诉档案 Complaint dossier ${empty.complaintId}`);
    expect(flatText(out)).toContain('无none');
  });
});
