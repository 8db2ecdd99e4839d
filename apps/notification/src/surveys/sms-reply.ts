import type { RegimeId } from '../templates/message-catalogue';

/**
 * What a customer texts back to the follow-up survey, and whose phone it came from. Pure: no
 * lookups, no keys; the keyed hash of the normalised number is taken by the caller.
 */
export interface SurveyReply {
  /** 1 (very dissatisfied) to 5 (very satisfied). */
  score: number;
  comment: string | null;
}

export const MAX_COMMENT_LENGTH = 1000;

const CHINESE_SCORES: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 };

/**
 * Reads a reply such as "4 很满意", "2", "５分，等太久了", "五分 谢谢", "评分：3" or "5, sorted out
 * quickly": a score from 1 to 5 first, then anything after it is the comment. Null when the text
 * does not start with such a score ("10", "4.5", "谢谢", "一般" is a word, not "one").
 */
export function parseSurveyReply(text: string): SurveyReply | null {
  // Full-width digits, spaces and punctuation, as Chinese phones type them, read as their ASCII forms.
  const normalised = text.normalize('NFKC').trim();
  const withoutLabel = normalised.replace(/^(?:评分|打分|分数|score)\s*[:：]?\s*/iu, '');
  const digit = /^([1-5])(?![0-9]|[.,][0-9]|\s*分钟)\s*分?/u.exec(withoutLabel);
  // A Chinese numeral counts only as "五分": on its own "一" begins words such as 一般.
  const numeral = digit ? null : /^([一二两三四五])\s*分(?!钟)/u.exec(withoutLabel);
  const match = digit ?? numeral;
  if (!match) return null;
  const score = digit ? Number(match[1]) : CHINESE_SCORES[match[1]];
  const rest = withoutLabel
    .slice(match[0].length)
    .replace(/^[\s,.;:!、。，；：！\-–—]+/u, '')
    .trim();
  const comment = rest ? Array.from(rest).slice(0, MAX_COMMENT_LENGTH).join('') : null;
  return { score, comment };
}

interface NumberingPlan {
  countryCode: string;
  /** A number without the country code or trunk prefix. */
  national: RegExp;
  /** Dialled before a national number at home (0 in the UK, 1 in North America). */
  trunkPrefix: string;
}

/** Where a complaint's regime is, the numbering plan its customers' phone numbers were given in. */
const NUMBERING_PLANS: Readonly<Record<RegimeId, NumberingPlan>> = {
  // Mainland mobile numbers: texts go to mobiles only.
  'cn-cbirc': { countryCode: '86', national: /^1\d{10}$/, trunkPrefix: '' },
  'uk-fca': { countryCode: '44', national: /^[1-9]\d{9}$/, trunkPrefix: '0' },
  'us-cfpb': { countryCode: '1', national: /^[2-9]\d{9}$/, trunkPrefix: '1' },
};

/**
 * A phone number in international form (+8613900001111), read in the numbering plan of the
 * regime when it is written nationally (13900001111, 07700 900123, (212) 555-0100). Null when it
 * is no phone number that plan knows.
 */
export function normalisePhone(raw: string, regime: RegimeId): string | null {
  const digits = raw.normalize('NFKC').replace(/[\s().\-–]/gu, '');
  if (!/^(?:\+|00)?\d{5,17}$/.test(digits)) return null;
  if (digits.startsWith('+')) return digits;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  const plan = NUMBERING_PLANS[regime];
  const national = [digits, plan.trunkPrefix && digits.startsWith(plan.trunkPrefix) ? digits.slice(plan.trunkPrefix.length) : null, digits.startsWith(plan.countryCode) ? digits.slice(plan.countryCode.length) : null];
  const found = national.find((n): n is string => n !== null && plan.national.test(n));
  return found === undefined ? null : `+${plan.countryCode}${found}`;
}

/**
 * Every international form a sender's number may stand for: providers send international numbers,
 * but one written nationally could belong to any regime's plan, and the stored hash decides.
 */
export function phoneCandidates(raw: string): string[] {
  const regimes = Object.keys(NUMBERING_PLANS) as RegimeId[];
  return [...new Set(regimes.map((r) => normalisePhone(raw, r)).filter((p): p is string => p !== null))];
}
