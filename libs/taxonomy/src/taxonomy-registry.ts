import { Taxonomy, TaxonomyCode, TaxonomyDimension } from './taxonomy';
import { mentions } from '@complaints/domain';
import cnJrt0169V1 from '../data/cn-jrt0169.v1.json';
import usCfpbV1 from '../data/us-cfpb.v1.json';

/** Every taxonomy the platform ships, by id; a deployment picks one with TRIAGE_TAXONOMY. */
const SHIPPED: Taxonomy[] = [cnJrt0169V1 as Taxonomy, usCfpbV1 as Taxonomy];

export const TAXONOMY_IDS = SHIPPED.map((t) => t.id);

export function taxonomyById(id: string): Taxonomy {
  const found = SHIPPED.find((t) => t.id === id);
  if (!found) throw new Error(`unknown taxonomy "${id}": one of ${TAXONOMY_IDS.join(', ')}`);
  return found;
}

export const topLevelCodes = (dimension: TaxonomyDimension): TaxonomyCode[] => dimension.codes.filter((c) => !c.parent);

export function findCode(dimension: TaxonomyDimension, code: string): TaxonomyCode | undefined {
  return dimension.codes.find((c) => c.code === code);
}

/** The taxonomy's problems, so a broken data file stops the service at start, not mid-triage. */
export function validateTaxonomy(t: Taxonomy): string[] {
  const problems: string[] = [];
  const dimensions: [string, TaxonomyDimension | undefined][] = [
    ['product', t.product],
    ['category', t.category],
    ['channel', t.channel],
  ];
  for (const [name, d] of dimensions) {
    if (!d) continue;
    const seen = new Set<string>();
    for (const c of d.codes) {
      if (seen.has(c.code)) problems.push(`${name}: code ${c.code} repeats`);
      seen.add(c.code);
      if (!c.name) problems.push(`${name}: code ${c.code} has no name`);
    }
    for (const c of d.codes) if (c.parent && !seen.has(c.parent)) problems.push(`${name}: code ${c.code} has unknown parent ${c.parent}`);
    if (!seen.has(d.fallbackCode)) problems.push(`${name}: fallback code ${d.fallbackCode} is not a code`);
  }
  if (t.channel) {
    for (const [channel, code] of Object.entries(t.channel.fromIntakeChannel)) {
      if (!t.channel.codes.some((c) => c.code === code)) problems.push(`channel: intake channel ${channel} maps to unknown code ${code}`);
    }
  }
  return problems;
}

export interface TermDecision {
  code: string;
  /** The indicative term that decided, or null when the fallback code was used. */
  term: string | null;
}

/**
 * For dimensions classified by terms: the top-level code with the most matching terms; ties go to
 * the code listed first, which the data file orders from specific to general.
 */
export function classifyByTerms(dimension: TaxonomyDimension, text: string): TermDecision {
  let best: { code: string; terms: string[] } | null = null;
  for (const c of topLevelCodes(dimension)) {
    const matched = (c.indicativeTerms ?? []).filter((t) => mentions(text, t));
    if (matched.length > 0 && (!best || matched.length > best.terms.length)) best = { code: c.code, terms: matched };
  }
  return best ? { code: best.code, term: best.terms[0] } : { code: dimension.fallbackCode, term: null };
}
