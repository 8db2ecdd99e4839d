export type SeverityLevel = 'low' | 'medium' | 'high' | 'critical';
const SEVERITY_ORDER: SeverityLevel[] = ['low', 'medium', 'high', 'critical'];

/**
 * Latin-script terms match whole words only ("app" is not in "disappointed", "court" not in
 * "courteous"); Chinese has no spaces between words, so its terms match anywhere.
 */
export function mentions(text: string, term: string): boolean {
  const t = term.toLowerCase();
  const haystack = text.toLowerCase();
  if (!/[a-z]/.test(t)) return haystack.includes(t);
  const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![a-z])${escaped}(?![a-z])`).test(haystack);
}

export const firstMention = (text: string, terms: readonly string[]): string | undefined => terms.find((t) => mentions(text, t));

// ---------------------------------------------------------------------------------------------
// Severity
// ---------------------------------------------------------------------------------------------

/** Money thresholds in minor units of one currency; a deployment sets its own per currency. */
export interface MoneyThresholds {
  highMinor: number;
  criticalMinor: number;
}

export interface SeverityPolicy {
  /** Per ISO 4217 currency; a currency without thresholds counts only as "money at stake". */
  money: Record<string, MoneyThresholds>;
  /** Age from which a customer counts as vulnerable (the seeds' elderly customer; FCA FG21/1). */
  vulnerableFromAge: number;
  /** Terms that show a threat to go to the media, a regulator or a court. */
  threatTerms: { media: string[]; regulator: string[]; court: string[] };
  /** Words of strong emotion; two or more, or a run of "!!!", count as emotional intensity. */
  intensityTerms: string[];
  /** How many signals at "high" together make a complaint critical. */
  highSignalsForCritical: number;
}

export const DEFAULT_SEVERITY_POLICY: SeverityPolicy = {
  money: {
    CNY: { highMinor: 5_000_000, criticalMinor: 50_000_000 },
    USD: { highMinor: 1_000_000, criticalMinor: 10_000_000 },
    GBP: { highMinor: 500_000, criticalMinor: 5_000_000 },
    EUR: { highMinor: 500_000, criticalMinor: 5_000_000 },
    HKD: { highMinor: 5_000_000, criticalMinor: 50_000_000 },
  },
  vulnerableFromAge: 65,
  threatTerms: {
    media: ['媒体', '曝光', '记者', '微博', '抖音', '电视台', '报社', 'media', 'newspaper', 'journalist', 'press', 'social media', 'twitter', 'tiktok'],
    regulator: ['监管', '银保监', '金融监管总局', '人民银行', '12378', '12363', '消保', 'regulator', 'cfpb', 'fca', 'ombudsman', 'attorney general', 'occ'],
    court: ['起诉', '法院', '律师', '诉讼', '仲裁', 'sue', 'lawsuit', 'lawyer', 'attorney', 'court', 'legal action', 'litigation'],
  },
  intensityTerms: ['气死', '愤怒', '无法接受', '太过分', '忍无可忍', '欺骗', '骗子', '恶心', '绝望', '崩溃', 'outraged', 'furious', 'unacceptable', 'disgusted', 'disgusting', 'appalled', 'scam', 'ridiculous', 'horrible', 'nightmare', 'livid'],
  highSignalsForCritical: 2,
};

export interface SeveritySignals {
  text: string;
  amountInDispute: { amountMinor: number; currency: string } | null;
  customerAge?: number | null;
  /** Age band from intake (`65-74`, `75+`, ...); the lower bound is compared with the policy's age. */
  ageBand?: string | null;
  /** Needs the customer declared (hearing, sight, mobility, cognitive, serious illness, hardship, ...). */
  declaredNeeds?: string[];
  /** Set when the complaint repeats an earlier one of the same customer. */
  repeatOf?: string | null;
  regulatorReferral?: { body: string; caseNumber: string } | null;
  /** Set when the complaint belongs to a systemic incident. */
  systemicIncidentId?: string | null;
}

export interface SeverityAssessment {
  severity: SeverityLevel;
  /** One line per signal that raised the level, in the order they were weighed. */
  reasons: string[];
}

const formatMinor = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

const ageBandLowerBound = (band: string | null | undefined): number | null => {
  const m = band ? /^(\d+)/.exec(band) : null;
  return m ? Number(m[1]) : null;
};

/**
 * Severity with its reasons. Each signal raises the level to at least its own; several high signals
 * together make the complaint critical, because it is their combination (an elderly customer who
 * lost money and threatens to go to the press) that the seeds escalate at once.
 */
export function assessSeverity(signals: SeveritySignals, policy: SeverityPolicy = DEFAULT_SEVERITY_POLICY): SeverityAssessment {
  // An object, not a `let`: the compiler cannot see the closure below change a local.
  const level: { severity: SeverityLevel } = { severity: 'low' };
  const reasons: string[] = [];
  let highSignals = 0;
  const raise = (to: SeverityLevel, why: string) => {
    if (SEVERITY_ORDER.indexOf(to) > SEVERITY_ORDER.indexOf(level.severity)) level.severity = to;
    if (to === 'high' || to === 'critical') highSignals += 1;
    reasons.push(`${to}: ${why}`);
  };

  const money = signals.amountInDispute;
  if (money && money.amountMinor > 0) {
    const limits = policy.money[money.currency];
    const amount = formatMinor(money.amountMinor, money.currency);
    if (limits && money.amountMinor >= limits.criticalMinor) raise('critical', `money at stake ${amount} >= ${formatMinor(limits.criticalMinor, money.currency)}`);
    else if (limits && money.amountMinor >= limits.highMinor) raise('high', `money at stake ${amount} >= ${formatMinor(limits.highMinor, money.currency)}`);
    else raise('medium', `money at stake ${amount}`);
  }

  const age = signals.customerAge ?? ageBandLowerBound(signals.ageBand);
  if (age !== null && age !== undefined && age >= policy.vulnerableFromAge) raise('high', `vulnerable customer: aged ${signals.customerAge ?? signals.ageBand}`);
  const needs = signals.declaredNeeds ?? [];
  if (needs.length > 0) raise('high', `vulnerable customer: declared needs ${needs.join(', ')}`);

  if (signals.repeatOf) raise('medium', `repeat complaint of ${signals.repeatOf}`);

  for (const [target, terms] of Object.entries(policy.threatTerms)) {
    const term = firstMention(signals.text, terms);
    if (term) raise('high', `threat to go to the ${target}: "${term}"`);
  }

  const intensity = policy.intensityTerms.filter((t) => mentions(signals.text, t));
  const exclamations = /[!！]{3,}/.test(signals.text);
  if (intensity.length >= 2 || (intensity.length >= 1 && exclamations)) {
    raise('medium', `emotional intensity: ${[...intensity.map((t) => `"${t}"`), ...(exclamations ? ['"!!!"'] : [])].join(', ')}`);
  }

  if (signals.regulatorReferral) raise('high', `referred by ${signals.regulatorReferral.body} (case ${signals.regulatorReferral.caseNumber})`);
  if (signals.systemicIncidentId) raise('high', `member of systemic incident ${signals.systemicIncidentId}`);

  if (level.severity !== 'critical' && highSignals >= policy.highSignalsForCritical) {
    level.severity = 'critical';
    reasons.push(`critical: ${highSignals} high signals together`);
  }
  if (reasons.length === 0) reasons.push('low: no severity signal');
  return { severity: level.severity, reasons };
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

export interface RoutingRule {
  id: string;
  /** Every listed condition must hold; an absent condition matches anything. */
  when: { product?: string[]; category?: string[]; severity?: SeverityLevel[]; channel?: string[] };
  department: string;
  /** Why the rule exists, for the regulator reading the decision. */
  why?: string;
}

export interface RoutingTable {
  taxonomy: string;
  version: number;
  departments: string[];
  /** First matching rule wins, so specific rules go first. */
  rules: RoutingRule[];
  /** Where a complaint goes when no rule matches. */
  fallbackDepartment: string;
}

export interface RoutingFacts {
  product: string;
  category: string;
  severity: SeverityLevel;
  channel: string;
}

export interface RoutingDecision {
  department: string;
  /** `<table>@v<version>#<rule id>`, or `#fallback`. */
  rule: string;
}

/** Refuses a table whose rules send complaints to departments it does not list, or repeat an id. */
export function validateRoutingTable(table: RoutingTable, codes?: { product: string[]; category: string[] }): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  if (!table.departments.includes(table.fallbackDepartment)) problems.push(`fallback department "${table.fallbackDepartment}" is not listed`);
  for (const rule of table.rules) {
    if (ids.has(rule.id)) problems.push(`rule id "${rule.id}" repeats`);
    ids.add(rule.id);
    if (!table.departments.includes(rule.department)) problems.push(`rule "${rule.id}": department "${rule.department}" is not listed`);
    for (const s of rule.when.severity ?? []) if (!SEVERITY_ORDER.includes(s)) problems.push(`rule "${rule.id}": unknown severity "${s}"`);
    if (codes) {
      for (const p of rule.when.product ?? []) if (!codes.product.includes(p)) problems.push(`rule "${rule.id}": unknown product code "${p}"`);
      for (const c of rule.when.category ?? []) if (!codes.category.includes(c)) problems.push(`rule "${rule.id}": unknown category code "${c}"`);
    }
  }
  return problems;
}

export function routeComplaint(table: RoutingTable, facts: RoutingFacts): RoutingDecision {
  const holds = (allowed: readonly string[] | undefined, value: string) => !allowed || allowed.includes(value);
  const rule = table.rules.find(
    (r) => holds(r.when.product, facts.product) && holds(r.when.category, facts.category) && holds(r.when.severity, facts.severity) && holds(r.when.channel, facts.channel),
  );
  const name = `${table.taxonomy}@v${table.version}`;
  return rule ? { department: rule.department, rule: `${name}#${rule.id}` } : { department: table.fallbackDepartment, rule: `${name}#fallback` };
}

// ---------------------------------------------------------------------------------------------
// Repeats: similarity without keeping the text
// ---------------------------------------------------------------------------------------------

/** FNV-1a, 32 bits: stable across processes and versions, unlike a seeded hash. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function shingles(text: string): Set<string> {
  const out = new Set<string>();
  const normalised = text.toLowerCase().replace(/x{2,}/g, ' ');
  // Chinese: character bigrams; other scripts: word bigrams and words, so both compare alike.
  const han = normalised.match(/[\u4e00-\u9fff]+/g) ?? [];
  for (const run of han) for (let i = 0; i + 1 < run.length; i++) out.add(run.slice(i, i + 2));
  const words = normalised.match(/[a-z]{3,}/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    out.add(words[i]);
    if (i + 1 < words.length) out.add(`${words[i]} ${words[i + 1]}`);
  }
  return out;
}

/**
 * A bottom-k MinHash sketch of the text: the k smallest shingle hashes. Triage keeps this, not the
 * text, to find repeats; the text cannot be rebuilt from it.
 */
export function textSketch(text: string, k = 128): number[] {
  const hashes = [...new Set([...shingles(text)].map(fnv1a))].sort((a, b) => a - b);
  return hashes.slice(0, k);
}

/** Estimated Jaccard similarity of two texts from their bottom-k sketches (Broder 1997). */
export function sketchSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  // A sketch shorter than k holds every shingle of its text, so the smaller size bounds the estimate.
  const k = Math.min(a.length, b.length);
  const union = [...new Set([...a, ...b])].sort((x, y) => x - y).slice(0, k);
  const inA = new Set(a);
  const inB = new Set(b);
  const both = union.filter((h) => inA.has(h) && inB.has(h)).length;
  return both / union.length;
}

export interface RepeatPolicy {
  /** How far back an earlier complaint of the same customer counts, in days. */
  windowDays: number;
  /** Text similarity from which two complaints are on the same matter. */
  minSimilarity: number;
  /** Same product and cause also make a repeat when the texts share at least this much. */
  minSimilaritySameCodes: number;
}

export const DEFAULT_REPEAT_POLICY: RepeatPolicy = { windowDays: 30, minSimilarity: 0.45, minSimilaritySameCodes: 0.15 };

export interface EarlierComplaint {
  complaintId: string;
  ticketNumber: string;
  receivedAt: Date;
  product: string;
  category: string;
  sketch: number[];
}

export interface RepeatMatch {
  of: EarlierComplaint;
  similarity: number;
  reason: string;
}

/** The most similar earlier complaint of the same customer on the same matter, if any. */
export function findRepeat(
  current: { receivedAt: Date; product: string; category: string; sketch: number[] },
  earlier: readonly EarlierComplaint[],
  policy: RepeatPolicy = DEFAULT_REPEAT_POLICY,
): RepeatMatch | null {
  const from = current.receivedAt.getTime() - policy.windowDays * 86_400_000;
  let best: RepeatMatch | null = null;
  for (const e of earlier) {
    const t = e.receivedAt.getTime();
    if (t < from || t > current.receivedAt.getTime()) continue;
    const similarity = sketchSimilarity(current.sketch, e.sketch);
    const sameCodes = e.product === current.product && e.category === current.category;
    const threshold = sameCodes ? policy.minSimilaritySameCodes : policy.minSimilarity;
    if (similarity < threshold) continue;
    if (!best || similarity > best.similarity) {
      const reason = `same customer within ${policy.windowDays} days, text similarity ${similarity.toFixed(2)} >= ${threshold}${sameCodes ? ', same product and cause' : ''}`;
      best = { of: e, similarity, reason };
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Spikes: many customers at once on the same product and cause
// ---------------------------------------------------------------------------------------------

export interface SpikePolicy {
  /** Length of the window in which complaints are counted, in minutes. */
  windowMinutes: number;
  /** How many earlier windows make the baseline. */
  baselineWindows: number;
  /** The window's count must reach this many complaints ... */
  minComplaints: number;
  /** ... and this multiple of the baseline's mean (the mean is floored at `baselineFloor`). */
  factor: number;
  baselineFloor: number;
}

export const DEFAULT_SPIKE_POLICY: SpikePolicy = { windowMinutes: 60, baselineWindows: 24, minComplaints: 5, factor: 3, baselineFloor: 1 };

export interface SpikeAssessment {
  spike: boolean;
  baselineMean: number;
  threshold: number;
  reason: string;
}

/** The spike rule against a baseline mean: at least `minComplaints`, and `factor` times the mean (floored at `baselineFloor`). */
function spikeAgainst(currentCount: number, mean: number, policy: SpikePolicy, baseline: string): SpikeAssessment {
  const threshold = Math.max(policy.minComplaints, policy.factor * Math.max(mean, policy.baselineFloor));
  const spike = currentCount >= threshold;
  const reason = `${currentCount} complaints in ${policy.windowMinutes} min against ${baseline} (threshold ${threshold.toFixed(2)})`;
  return { spike, baselineMean: mean, threshold, reason };
}

/** `baselineCounts` are the counts of the earlier windows, most recent first. */
export function assessSpike(currentCount: number, baselineCounts: readonly number[], policy: SpikePolicy = DEFAULT_SPIKE_POLICY): SpikeAssessment {
  const windows = baselineCounts.slice(0, policy.baselineWindows);
  const mean = windows.length ? windows.reduce((a, b) => a + b, 0) / windows.length : 0;
  return spikeAgainst(currentCount, mean, policy, `a baseline of ${mean.toFixed(2)} per window over ${windows.length} windows`);
}

/**
 * Whether an open systemic incident still holds when another complaint of its kind arrives: the
 * complaints of the last window (the arrival among them) must still meet the spike rule, against
 * the baseline the incident was raised on. The windows since hold the incident's own complaints,
 * so a baseline taken from them would close a spike that is still going on merely because it
 * lasted. When this says no, the incident closes and the arrival is judged afresh.
 */
export function spikeContinues(currentCount: number, incidentBaselineMean: number, policy: SpikePolicy = DEFAULT_SPIKE_POLICY): SpikeAssessment {
  return spikeAgainst(currentCount, incidentBaselineMean, policy, `the incident's baseline of ${incidentBaselineMean.toFixed(2)} per window`);
}
