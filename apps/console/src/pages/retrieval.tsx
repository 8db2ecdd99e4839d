import { Form, Input, Select } from 'antd';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { RETRIEVAL_PURPOSES, RetrievalPurpose } from '../lib/vocabulary';

const KEY = 'console.retrieval';
export const REFERENCE_PATTERN = /^[A-Za-z0-9 ._:/-]{1,100}$/;

export interface StatedPurpose {
  purpose: RetrievalPurpose;
  reference: string;
}

/** Every archive retrieval states why (X-Retrieval-Purpose) and may name its case or letter (X-Retrieval-Reference). */
export function retrievalHeaders(stated: StatedPurpose): Record<string, string> {
  return { 'x-retrieval-purpose': stated.purpose, ...(stated.reference.trim() ? { 'x-retrieval-reference': stated.reference.trim() } : {}) };
}

export function useStatedPurpose(fallback: RetrievalPurpose = 'internal-audit') {
  const [stated, setStated] = useState<StatedPurpose>(() => {
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as StatedPurpose | null;
      if (saved && (RETRIEVAL_PURPOSES as readonly string[]).includes(saved.purpose)) return saved;
    } catch {
      // nothing usable saved
    }
    return { purpose: fallback, reference: '' };
  });
  const update = (next: StatedPurpose) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setStated(next);
  };
  return [stated, update] as const;
}

export function PurposeFields({ stated, onChange }: { stated: StatedPurpose; onChange(next: StatedPurpose): void }) {
  const { t, label } = useI18n();
  const referenceOk = !stated.reference || REFERENCE_PATTERN.test(stated.reference);
  return (
    <Form layout="inline" style={{ marginBottom: 16, rowGap: 8 }} aria-label={t('compliance.purposeForm')}>
      <Form.Item label={t('compliance.purpose')} htmlFor="retrieval-purpose" required>
        <Select<RetrievalPurpose>
          id="retrieval-purpose"
          style={{ minWidth: 220 }}
          value={stated.purpose}
          onChange={(purpose) => onChange({ ...stated, purpose })}
          options={RETRIEVAL_PURPOSES.map((p) => ({ value: p, label: label('purpose', p) }))}
        />
      </Form.Item>
      <Form.Item
        label={t('compliance.reference')}
        htmlFor="retrieval-reference"
        validateStatus={referenceOk ? undefined : 'error'}
        help={referenceOk ? undefined : t('compliance.referenceInvalid')}
      >
        <Input id="retrieval-reference" value={stated.reference} maxLength={100} onChange={(e) => onChange({ ...stated, reference: e.target.value })} />
      </Form.Item>
    </Form>
  );
}
