/**
 * A complaint taxonomy is data: one JSON file per taxonomy and version under `libs/taxonomy/data/`.
 * A deployment chooses one (TRIAGE_TAXONOMY); adding a taxonomy is adding a file and registering it.
 */
export interface TaxonomyCode {
  /** Stable code reported to the regulator (`B03`, `C0501`) or a slug where the regulator has none. */
  code: string;
  /** The name in the standard's own language, exactly as the standard prints it. */
  name: string;
  /** An English rendering for English-speaking staff; absent where `name` is already English. */
  nameEn?: string;
  /** Parent code for second-level codes; top-level codes have none. */
  parent?: string;
  /** What belongs here, so triage officers and labellers agree. */
  description?: string;
  /**
   * Terms that indicate this code. For a dimension classified by terms (not by a trained model),
   * the first matching code wins; otherwise they are documentation for labellers.
   */
  indicativeTerms?: string[];
}

export interface TaxonomyDimension {
  /** `model`: a trained classifier decides; `terms`: `indicativeTerms` decide; `channel`: mapped from the intake channel. */
  classifiedBy: 'model' | 'terms' | 'channel';
  codes: TaxonomyCode[];
  /** The code used when nothing decides ("other": 9 / 99 in JR/T 0169). */
  fallbackCode: string;
}

export interface Taxonomy {
  id: string;
  version: number;
  title: string;
  /** Where the codes were taken from and how they were checked. */
  source: string;
  /** Business type / product (JR/T 0169 dimension B; CFPB product). */
  product: TaxonomyDimension;
  /** Cause / issue (JR/T 0169 dimension C; CFPB issue). */
  category: TaxonomyDimension;
  /** Channel through which the complaint came (JR/T 0169 dimension A); absent where the taxonomy has none. */
  channel?: TaxonomyDimension & {
    /** The platform's intake channels mapped to this taxonomy's channel codes. */
    fromIntakeChannel: Record<string, string>;
  };
}
