import { DateTime } from 'luxon';

type Language = 'zh-CN' | 'en';

export interface AcknowledgementFacts {
  ticketNumber: string;
  responseDueBy: string;
}

export interface FinalResponseFacts {
  ticketNumber: string;
  outcome: 'upheld' | 'partially-upheld' | 'not-upheld';
  explanation: string;
  remedy: { type: string; amount: { amountMinor: number; currency: string } } | null;
  rights: { reviewBy: string | null; escalateTo: { body: string; contact: string; within: string | null }[] };
}

const day = (iso: string, language: Language) =>
  DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).setLocale(language).toLocaleString(DateTime.DATE_FULL);

const OUTCOME_WORDS: Record<FinalResponseFacts['outcome'], Record<Language, string>> = {
  upheld: { 'zh-CN': '成立', en: 'upheld' },
  'partially-upheld': { 'zh-CN': '部分成立', en: 'partially upheld' },
  'not-upheld': { 'zh-CN': '不成立', en: 'not upheld' },
};

const money = (m: { amountMinor: number; currency: string }, language: Language) =>
  new Intl.NumberFormat(language, { style: 'currency', currency: m.currency }).format(m.amountMinor / 100);

/** First templates (v1); the notification issue moves these to a versioned ICU message catalogue. */
export const TEMPLATES = {
  acknowledgement: {
    id: 'acknowledgement.v1',
    render(f: AcknowledgementFacts, language: Language): string {
      return language === 'zh-CN'
        ? `尊敬的客户：我们已受理您的投诉，受理编号 ${f.ticketNumber}。我们将于 ${day(f.responseDueBy, language)} 前答复您。您可凭受理编号随时查询处理进度。`
        : `Dear customer, we have received your complaint, reference ${f.ticketNumber}. We will give you our final response by ${day(f.responseDueBy, language)}. You can track its progress with this reference at any time.`;
    },
  },
  finalResponse: {
    id: 'final-response.v1',
    render(f: FinalResponseFacts, language: Language): string {
      const outcome = OUTCOME_WORDS[f.outcome][language];
      const remedy = f.remedy ? money(f.remedy.amount, language) : null;
      const review = f.rights.reviewBy ? day(f.rights.reviewBy, language) : null;
      const routes = f.rights.escalateTo.map((r) => `${r.body}（${r.contact}）${r.within ? `，${r.within}` : ''}`).join('；');
      const routesEn = f.rights.escalateTo.map((r) => `${r.body} (${r.contact})${r.within ? `, ${r.within}` : ''}`).join('; ');
      return language === 'zh-CN'
        ? `尊敬的客户：关于您的投诉（受理编号 ${f.ticketNumber}），经调查，投诉${outcome}。${f.explanation}${remedy ? ` 我行将向您支付 ${remedy}。` : ''} 如对处理结果有异议，${review ? `您可在 ${review} 前向我行申请核查，` : ''}也可向以下机构反映：${routes}。`
        : `Dear customer, about your complaint ${f.ticketNumber}: having investigated, we find it ${outcome}. ${f.explanation}${remedy ? ` We will pay you ${remedy}.` : ''} If you disagree, ${review ? `you may ask us to review this decision by ${review}, or ` : 'you may '}refer your complaint to: ${routesEn}.`;
    },
  },
} as const;
