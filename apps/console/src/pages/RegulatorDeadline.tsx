import { App, Card, Descriptions, Empty, Form, Input, Table } from 'antd';
import { ErrorAlert, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import type { ApiClient } from '../lib/api';
import type { RegulatorDeadlineHistory } from '../lib/types';
import type { Role } from '../lib/vocabulary';
import { ActionForm } from './CaseActions';

/** Who may read a referral's deadline history, and who may record a change (intake's routes). */
const READERS: readonly Role[] = ['compliance-officer', 'triage-officer', 'investigator', 'auditor'];
const RECORDERS: readonly Role[] = ['compliance-officer', 'triage-officer'];

/**
 * A regulator's referral: its deadline now and every change the regulator made to it, with the
 * reference and reason recorded; compliance and triage officers record a new one here. Reading it
 * is on the complaint's record (intake records a staff action).
 */
export function RegulatorDeadlineCard({ api, complaintId, roles, done }: { api: ApiClient; complaintId: string; roles: readonly Role[]; done(): void }) {
  const { t, label, dateTime } = useI18n();
  const { message } = App.useApp();
  const reads = roles.some((r) => READERS.includes(r));
  const history = useLoad(async () => (reads ? api.get<RegulatorDeadlineHistory>('intake', `/v1/staff/complaints/${complaintId}/regulator-deadline`) : null), [api, complaintId, reads]);
  if (!reads) return null;
  const h = history.data;
  const required = [{ required: true, message: t('form.required') }];
  return (
    <Card title={<h2 className="card-title">{t('regulatorDeadline.title')}</h2>} style={{ marginBottom: 24 }} data-testid="regulator-deadline">
      <ErrorAlert error={history.error} />
      {h && (
        <>
          <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('case.regulatorReferral')}>{`${label('regulatorBody', h.body)} · ${h.caseNumber}`}</Descriptions.Item>
            <Descriptions.Item label={t('regulatorDeadline.now')}>
              <span data-testid="regulator-deadline-now">{h.deadline ? dateTime(h.deadline) : t('regulatorDeadline.none')}</span>
            </Descriptions.Item>
          </Descriptions>
          {h.changes.length ? (
            <Table
              size="small"
              pagination={false}
              rowKey={(c) => `${c.changedAt}-${c.reference}`}
              dataSource={h.changes}
              columns={[
                { title: t('regulatorDeadline.changedAt'), dataIndex: 'changedAt', render: (v: string) => dateTime(v) },
                { title: t('regulatorDeadline.change'), key: 'change', render: (_: unknown, c) => `${c.previousDeadline ? dateTime(c.previousDeadline) : '—'} → ${dateTime(c.deadline)}` },
                { title: t('regulatorDeadline.reference'), dataIndex: 'reference' },
                { title: t('regulatorDeadline.by'), dataIndex: 'changedBy' },
                { title: t('regulatorDeadline.reason'), dataIndex: 'reason' },
              ]}
            />
          ) : (
            <Empty description={t('regulatorDeadline.noChanges')} />
          )}
        </>
      )}
      {roles.some((r) => RECORDERS.includes(r)) && (
        <div style={{ marginTop: 16 }}>
          <h3>{t('regulatorDeadline.record')}</h3>
          <ActionForm<{ deadline: string; reference: string; reason: string }>
            name="regulator-deadline"
            submitLabel="regulatorDeadline.record"
            done={() => {
              message.success(t('done.regulatorDeadline'));
              history.reload();
              done();
            }}
            onSubmit={(v) => api.put('intake', `/v1/staff/complaints/${complaintId}/regulator-deadline`, { deadline: v.deadline.trim(), reference: v.reference.trim(), reason: v.reason })}
          >
            <Form.Item name="deadline" label={t('regulatorDeadline.deadline')} extra={t('regulatorDeadline.deadlineHelp')} rules={required}>
              <Input placeholder="2026-12-20" />
            </Form.Item>
            <Form.Item name="reference" label={t('regulatorDeadline.reference')} extra={t('regulatorDeadline.referenceHelp')} rules={required}>
              <Input />
            </Form.Item>
            <Form.Item name="reason" label={t('form.reason')} rules={required}>
              <Input.TextArea rows={2} />
            </Form.Item>
          </ActionForm>
        </div>
      )}
    </Card>
  );
}
