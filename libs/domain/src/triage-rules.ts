export type SeverityLevel = 'low' | 'medium' | 'high' | 'critical';

export interface TriageInput {
  summary: string;
  productHint: string | null;
  amountInDisputeMinor: number | null;
  channel: string;
}

export interface TriageDecision {
  category: string;
  department: string;
  severity: SeverityLevel;
  routingRule: string;
  reasons: string[];
}

interface KeywordRule {
  id: string;
  category: string;
  department: string;
  terms: string[];
}

/**
 * A first, deliberately simple routing table (seed 001: transactions to operations, product
 * features to product, attitude to branch management). A trained classifier replaces the
 * category step later; the table stays the routing authority.
 */
export const KEYWORD_RULES: KeywordRule[] = [
  { id: 'card', category: 'cards', department: 'card-centre', terms: ['信用卡', '银行卡', 'credit card', 'debit card', 'card'] },
  { id: 'payment', category: 'payment-and-settlement', department: 'operations', terms: ['转账', '汇款', '跨行', 'transfer', 'wire', 'payment'] },
  { id: 'loan', category: 'loans', department: 'product', terms: ['贷款', '房贷', '利率', 'loan', 'mortgage', 'interest rate'] },
  { id: 'wealth', category: 'wealth-management', department: 'sales-compliance', terms: ['理财', '基金', '保险', 'investment', 'fund', 'mis-sold', 'missold'] },
  { id: 'service', category: 'service-attitude', department: 'branch-management', terms: ['态度', '排队', '柜台', 'rude', 'attitude', 'queue', 'impatient'] },
  { id: 'digital', category: 'digital-channels', department: 'technology', terms: ['手机银行', '网银', 'app', 'online banking', 'login'] },
];

const ESCALATION_TERMS = ['媒体', '监管', '起诉', '法院', '投诉到银保监', 'regulator', 'lawyer', 'court', 'media', 'newspaper'];

/** Severity thresholds in minor units; a deployment sets its own per currency. */
export interface SeverityThresholds {
  highMinor: number;
  criticalMinor: number;
}
export const DEFAULT_SEVERITY_THRESHOLDS: SeverityThresholds = { highMinor: 5_000_000, criticalMinor: 50_000_000 };

/**
 * Latin-script terms match whole words only ("app" is not in "disappointed", "court" not in
 * "courteous"); Chinese has no spaces between words, so its terms match anywhere.
 */
export function mentions(text: string, term: string): boolean {
  const t = term.toLowerCase();
  if (!/[a-z]/.test(t)) return text.includes(t);
  const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![a-z])${escaped}(?![a-z])`).test(text);
}

export function triageComplaint(
  input: TriageInput,
  thresholds: SeverityThresholds = DEFAULT_SEVERITY_THRESHOLDS,
): TriageDecision {
  const text = `${input.productHint ?? ''} ${input.summary}`.toLowerCase();
  const rule = KEYWORD_RULES.find((r) => r.terms.some((t) => mentions(text, t)));
  const reasons: string[] = [];
  let category = 'other';
  let department = 'customer-service';
  let routingRule = 'default';
  if (rule) {
    const term = rule.terms.find((t) => mentions(text, t));
    category = rule.category;
    department = rule.department;
    routingRule = `keyword:${rule.id}`;
    reasons.push(`term "${term}" -> ${rule.category}`);
  } else {
    reasons.push('no routing term matched: default queue');
  }

  let severity: SeverityLevel = 'low';
  const raise = (to: SeverityLevel, why: string) => {
    const order: SeverityLevel[] = ['low', 'medium', 'high', 'critical'];
    if (order.indexOf(to) > order.indexOf(severity)) severity = to;
    reasons.push(why);
  };
  const amount = input.amountInDisputeMinor;
  if (amount !== null && amount >= thresholds.criticalMinor) raise('critical', `amount ${amount} >= ${thresholds.criticalMinor}`);
  else if (amount !== null && amount >= thresholds.highMinor) raise('high', `amount ${amount} >= ${thresholds.highMinor}`);
  else if (amount !== null && amount > 0) raise('medium', 'money at stake');
  const threat = ESCALATION_TERMS.find((t) => mentions(text, t));
  if (threat) raise('high', `threat to escalate: "${threat}"`);
  if (input.channel === 'regulator') raise('high', 'referred by a regulator');

  return { category, department, severity, routingRule, reasons };
}
