import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '@complaints/contracts';
import { canonicalJson, chainHash, GENESIS_HASH } from '../archive/hash-chain';
import { composeDossier, DossierEntry } from '../dossier/compose-dossier';
import { flatText } from '../dossier/testing/pdf-text';
import { renderDossierPdf } from '../dossier/render-dossier-pdf';
import { SAMPLE_EXPLANATION, SAMPLE_SUMMARY, sampleComplaint } from '../dossier/testing/sample-complaint';
import { erasedMarker, openEnvelope, SealedField, sealEnvelope } from './sealed-fields';
import { newSubjectKeyId, openValue, sealValue } from './subject-cipher';

/** The sample complaint as the archive stores it: sealed, hashed into a chain. */
function storedComplaint() {
  const key = randomBytes(32);
  const keyId = newSubjectKeyId();
  let prev = GENESIS_HASH;
  const entries: DossierEntry[] = sampleComplaint().map(({ envelope }, i) => {
    const e = envelope as unknown as EventEnvelope;
    const canonical = canonicalJson(sealEnvelope(e, (path, value): SealedField => ({ sealed: sealValue(key, keyId, e.eventId, path, value) })));
    const entryHash = chainHash(prev, canonical);
    const entry = { seq: String(i + 1), canonical, prevHash: prev, entryHash, precedingHash: prev };
    prev = entryHash;
    return entry;
  });
  const opener = (destroyedAt: string | null) => (e: EventEnvelope) =>
    openEnvelope(e, (path, field) => (destroyedAt || 'erased' in field ? erasedMarker(destroyedAt ?? '') : openValue(key, field.sealed, e.eventId, path)));
  return { entries, opener };
}

describe('the dossier of a complaint with sealed fields', () => {
  it('reads the text while the key exists, and the marker once it is destroyed; the hashes never change', async () => {
    const { entries, opener } = storedComplaint();
    const complaintId = (JSON.parse(entries[0].canonical) as EventEnvelope).complaintId;
    const open = composeDossier(complaintId, entries, opener(null));
    expect(open.decisions[0].explanation).toBe(SAMPLE_EXPLANATION);
    expect(open.timeline[0].summary).toContain(SAMPLE_SUMMARY);

    const erased = composeDossier(complaintId, entries, opener('2031-05-02T10:00:00.000Z'));
    expect(erased.decisions[0].explanation).toBe('[erased under retention policy on 2031-05-02]');
    expect(erased.timeline[0].summary).toMatch(/: \[erased under retention policy on 2031-05-02\]$/);
    expect(erased.integrity).toEqual(open.integrity);
    expect(erased.integrity.chainIntact).toBe(true);
    expect(erased.dossierHash).toBe(open.dossierHash);

    const text = flatText(await renderDossierPdf(erased, { compress: false }));
    expect(text).toContain('erasedunderretentionpolicyon2031-05-02');
    expect(text).not.toContain(SAMPLE_EXPLANATION);
  });
});
