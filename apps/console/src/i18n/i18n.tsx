import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { fill } from './format';
import { LANGUAGES, Language, MESSAGES, MessageKey, labelKey, LabelGroup } from './messages';

const STORAGE_KEY = 'console.language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
  /** The label of a value the services send (a case state, an outcome…), or the value itself when the table has none. */
  label(group: LabelGroup, value: string | null | undefined): string;
  /** Dates and times in the reader's language, in Beijing time: the regulator's and the customer's clock. */
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
}

const I18nContext = createContext<I18n | null>(null);

export const TIME_ZONE = 'Asia/Shanghai';

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = MESSAGES[language]['app.title'];
  }, [language]);
  const setLanguage = useCallback((l: Language) => {
    localStorage.setItem(STORAGE_KEY, l);
    setLanguageState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const table = MESSAGES[language];
    const dt = new Intl.DateTimeFormat(language, { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
    const d = new Intl.DateTimeFormat(language, { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
    return {
      language,
      setLanguage,
      t: (key, values) => fill(table[key], values),
      label: (group, v) => {
        if (v === null || v === undefined || v === '') return '—';
        const key = labelKey(group, v);
        return key ? table[key] : v;
      },
      dateTime: (iso) => (iso ? dt.format(new Date(iso)) : '—'),
      date: (iso) => (iso ? d.format(new Date(iso)) : '—'),
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
