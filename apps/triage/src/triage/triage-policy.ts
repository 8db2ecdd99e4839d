import fs from 'node:fs';
import path from 'node:path';
import { TextClassifier } from '@complaints/classifier';
import { deadlineRegimesFromEnv } from '@complaints/platform';
import {
  assessSeverity,
  DeadlineRegime,
  RegimeId,
  DEFAULT_REPEAT_POLICY,
  DEFAULT_SEVERITY_POLICY,
  DEFAULT_SPIKE_POLICY,
  RepeatPolicy,
  routeComplaint,
  RoutingTable,
  SeverityLevel,
  SeverityPolicy,
  SeveritySignals,
  SpikePolicy,
  validateRoutingTable,
} from '@complaints/domain';
import { classifyByTerms, findCode, Taxonomy, TAXONOMY_IDS, taxonomyById, TaxonomyDimension, topLevelCodes, validateTaxonomy } from '@complaints/taxonomy';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface Label {
  code: string;
  title: string;
}

/** What triage concluded about one text, and why. */
export interface TriageAssessment {
  taxonomy: string;
  product: Label;
  cause: Label;
  channelCode: string | null;
  /** The lower of the model confidences that decided; 1 where rules decided. */
  confidence: number;
  severity: SeverityLevel;
  department: string;
  routingRule: string;
  reasons: string[];
  /** True when the confidence is below the deployment's minimum: a triage officer decides. */
  needsTriageOfficer: boolean;
}

export interface AssessInput {
  text: string;
  channel: string;
  severity: Omit<SeveritySignals, 'text'>;
}

export interface Classification {
  product: Label;
  cause: Label;
  /** The lower of the two dimensions' confidences. */
  confidence: number;
  reasons: string[];
}

interface DimensionDecision {
  label: Label;
  confidence: number;
  reasons: string[];
}

/** Names a trained model by what it was trained on, so a decision can be traced to its artifact. */
export const modelId = (model: TextClassifier): string => {
  const p = model.provenance;
  return `${p.taxonomy}.${p.dimension}@v${p.version}+${p.dataDigest.slice(0, 12)}`;
};

export class UnknownTaxonomyError extends Error {
  constructor(id: string, known: string[]) {
    super(`unknown taxonomy "${id}": one of ${known.join(', ')}`);
  }
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function jsonFromEnv<T extends object>(name: string, base: T): T {
  const raw = process.env[name];
  if (!raw) return base;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be a JSON object`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object`);
  for (const key of Object.keys(parsed)) if (!(key in base)) throw new Error(`${name}: unknown setting "${key}" (known: ${Object.keys(base).join(', ')})`);
  return { ...base, ...(parsed as Partial<T>) };
}

function numberFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
  return value;
}

function warningFractionsFromEnv(): number[] {
  const raw = process.env.DEADLINE_WARN_AT ?? '0.5,0.75,0.9';
  const fractions = raw.split(',').map((f) => Number(f.trim()));
  if (fractions.some((f) => !(f > 0 && f < 1))) throw new Error('DEADLINE_WARN_AT must list fractions between 0 and 1, such as 0.5,0.75,0.9');
  return [...new Set(fractions)].sort((a, b) => a - b);
}

/** One taxonomy with its trained models and its routing table. */
export class TaxonomySetup {
  constructor(
    readonly taxonomy: Taxonomy,
    readonly models: Partial<Record<'product' | 'category', TextClassifier>>,
    readonly routing: RoutingTable,
  ) {}

  static load(id: string, modelDir: string, routingFile: string): TaxonomySetup {
    const taxonomy = taxonomyById(id);
    const problems = validateTaxonomy(taxonomy);
    if (problems.length) throw new Error(`taxonomy ${taxonomy.id} is broken: ${problems.join('; ')}`);
    const models: Partial<Record<'product' | 'category', TextClassifier>> = {};
    for (const dimension of ['product', 'category'] as const) {
      if (taxonomy[dimension].classifiedBy !== 'model') continue;
      const file = path.join(modelDir, `${taxonomy.id}.${dimension}.json`);
      if (!fs.existsSync(file)) throw new Error(`no trained model at ${file}: run npm run triage:train -- --taxonomy ${taxonomy.id}`);
      const model = TextClassifier.fromArtifact(readJson(file));
      const unknown = model.labels.filter((l) => !findCode(taxonomy[dimension], l));
      if (unknown.length) throw new Error(`${file} predicts codes the taxonomy lacks: ${unknown.join(', ')}`);
      models[dimension] = model;
    }
    const routing = readJson(routingFile) as RoutingTable;
    const routingProblems = validateRoutingTable(routing, {
      product: taxonomy.product.codes.map((c) => c.code),
      category: taxonomy.category.codes.map((c) => c.code),
    });
    if (routing.taxonomy !== taxonomy.id) routingProblems.push(`it is for taxonomy ${routing.taxonomy}, not ${taxonomy.id}`);
    if (routingProblems.length) throw new Error(`routing table ${routingFile} is broken: ${routingProblems.join('; ')}`);
    return new TaxonomySetup(taxonomy, models, routing);
  }

  modelVersions(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.models).map(([d, m]) => [d, modelId(m!)]));
  }
}

/**
 * The deployment's triage policy: its taxonomy (TRIAGE_TAXONOMY), the trained models, the routing
 * table and the severity, repeat, spike and deadline settings. Loaded once at start; a broken file
 * stops the service. The other shipped taxonomies are loaded too, for dry runs only.
 */
export class TriagePolicy {
  private constructor(
    private readonly setups: Map<string, TaxonomySetup>,
    readonly primary: TaxonomySetup,
    readonly severityPolicy: SeverityPolicy,
    readonly repeatPolicy: RepeatPolicy,
    readonly spikePolicy: SpikePolicy,
    readonly minConfidence: number,
    private readonly regimes: Record<RegimeId, DeadlineRegime>,
    /** Fractions of the response time at which a warning is raised. */
    readonly warnAtFractions: number[],
    /** Whether a repeat joins the earlier complaint's clock (CBIRC: repeated complaints on one matter may be merged). */
    readonly mergeRepeats: Record<RegimeId, boolean>,
  ) {}

  static fromEnvironment(): TriagePolicy {
    const primaryId = process.env.TRIAGE_TAXONOMY ?? 'cn-jrt0169';
    const modelDir = process.env.TRIAGE_MODEL_DIR ?? path.join(REPO_ROOT, 'libs/classifier/models');
    const routingDir = process.env.TRIAGE_ROUTING_DIR ?? path.join(REPO_ROOT, 'apps/triage/routing');
    const setups = new Map<string, TaxonomySetup>();
    for (const id of TAXONOMY_IDS) setups.set(id, TaxonomySetup.load(id, modelDir, path.join(routingDir, `${id}.json`)));
    const primary = setups.get(primaryId);
    if (!primary) throw new Error(`TRIAGE_TAXONOMY must be one of ${TAXONOMY_IDS.join(', ')}`);
    return new TriagePolicy(
      setups,
      primary,
      jsonFromEnv('TRIAGE_SEVERITY_POLICY', DEFAULT_SEVERITY_POLICY),
      jsonFromEnv('TRIAGE_REPEAT_POLICY', DEFAULT_REPEAT_POLICY),
      jsonFromEnv('TRIAGE_SPIKE_POLICY', DEFAULT_SPIKE_POLICY),
      numberFromEnv('TRIAGE_MIN_CONFIDENCE', 0.45, 0, 1),
      deadlineRegimesFromEnv(),
      warningFractionsFromEnv(),
      { 'cn-cbirc': true, 'uk-fca': false, 'us-cfpb': false },
    );
  }

  get taxonomy(): Taxonomy {
    return this.primary.taxonomy;
  }

  setup(taxonomyId: string = this.primary.taxonomy.id): TaxonomySetup {
    const found = this.setups.get(taxonomyId);
    if (!found) throw new UnknownTaxonomyError(taxonomyId, [...this.setups.keys()]);
    return found;
  }

  regime(id: string): DeadlineRegime {
    const found = this.regimes[id as RegimeId];
    if (!found) throw new Error(`unknown deadline regime ${id}`);
    return found;
  }

  label(dimension: 'product' | 'category', code: string, taxonomyId?: string): Label {
    const { taxonomy } = this.setup(taxonomyId);
    const found = findCode(taxonomy[dimension], code);
    if (!found) throw new Error(`${code} is not a ${dimension} code of ${taxonomy.id}`);
    return { code: found.code, title: found.name };
  }

  /** The codes a triage officer may choose: the top level, the level the models and reports use. */
  isTopLevelCode(dimension: 'product' | 'category', code: string): boolean {
    return topLevelCodes(this.taxonomy[dimension]).some((c) => c.code === code);
  }

  channelCode(channel: string, taxonomyId?: string): string | null {
    return this.setup(taxonomyId).taxonomy.channel?.fromIntakeChannel[channel] ?? null;
  }

  private decide(dimension: 'product' | 'category', text: string, taxonomyId?: string): DimensionDecision {
    const { taxonomy, models } = this.setup(taxonomyId);
    const spec: TaxonomyDimension = taxonomy[dimension];
    const model = models[dimension];
    const name = dimension === 'product' ? 'product' : 'cause';
    if (model) {
      const answer = model.classify(text);
      const label = this.label(dimension, answer.label, taxonomy.id);
      return {
        label,
        confidence: answer.confidence,
        reasons: [`${name} ${label.code} ${label.title} (model ${modelId(model)}, confidence ${answer.confidence.toFixed(2)}): ${answer.reasons.join('; ') || 'no decisive term'}`],
      };
    }
    const byTerms = classifyByTerms(spec, text);
    const label = this.label(dimension, byTerms.code, taxonomy.id);
    return {
      label,
      confidence: 1,
      reasons: [byTerms.term ? `${name} ${label.code} ${label.title}: term "${byTerms.term}"` : `${name} ${label.code} ${label.title}: no indicative term, the taxonomy's fallback`],
    };
  }

  /** The product and cause of a text, with the terms that decided them. */
  classify(text: string, productHint?: string | null, taxonomyId?: string): Classification {
    const input = [productHint, text].filter(Boolean).join('\n');
    const product = this.decide('product', input, taxonomyId);
    const cause = this.decide('category', input, taxonomyId);
    return {
      product: product.label,
      cause: cause.label,
      confidence: Math.min(product.confidence, cause.confidence),
      reasons: [...product.reasons, ...cause.reasons],
    };
  }

  /** Weigh and route a classified complaint. Pure apart from the models loaded at start. */
  assess(classified: Classification, input: AssessInput, taxonomyId?: string): TriageAssessment {
    const setup = this.setup(taxonomyId);
    const weighed = assessSeverity({ ...input.severity, text: input.text }, this.severityPolicy);
    const route = routeComplaint(setup.routing, {
      product: classified.product.code,
      category: classified.cause.code,
      severity: weighed.severity,
      channel: input.channel,
    });
    const needsTriageOfficer = classified.confidence < this.minConfidence;
    const reasons = [...classified.reasons, ...weighed.reasons.map((r) => `severity ${r}`), `routed to ${route.department} by ${route.rule}`];
    if (needsTriageOfficer) reasons.push(`confidence ${classified.confidence.toFixed(2)} below ${this.minConfidence}: queued for a triage officer`);
    return {
      taxonomy: setup.taxonomy.id,
      product: classified.product,
      cause: classified.cause,
      channelCode: this.channelCode(input.channel, setup.taxonomy.id),
      confidence: classified.confidence,
      severity: weighed.severity,
      department: route.department,
      routingRule: route.rule,
      reasons,
      needsTriageOfficer,
    };
  }

  /** Routing again for the codes and severity a triage officer chose; the text is not kept, so severity is theirs or the model's. */
  route(productCode: string, causeCode: string, severity: SeverityLevel, channel: string): { department: string; routingRule: string } {
    const route = routeComplaint(this.primary.routing, { product: productCode, category: causeCode, severity, channel });
    return { department: route.department, routingRule: route.rule };
  }
}

export const TRIAGE_POLICY = Symbol('TriagePolicy');
