import { App, Button, Checkbox, Form, Input, Modal, Space, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { ErrorAlert, Link, PlainTag, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import type { ApiClient } from '../lib/api';
import { formatMoney } from '../lib/money';
import { pathOf } from '../lib/routes';
import type { CaseSummary, Remedy } from '../lib/types';
import { useSession } from '../session';

/** Whether an amount is within the signed-in approver's limit: null when the token carries none. */
export const withinLimit = (amountMinor: number, limit: number | null) => (limit === null ? null : amountMinor <= limit);

function RejectDialog({ open, onCancel, onReject }: { open: boolean; onCancel(): void; onReject(reason: string): Promise<void> }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Modal
      open={open}
      title={t('approvals.rejectTitle')}
      okText={t('form.reject')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onCancel={onCancel}
      destroyOnHidden
      onOk={() =>
        form.validateFields().then(async ({ reason }) => {
          setBusy(true);
          setError(null);
          try {
            await onReject(reason);
            form.resetFields();
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        })
      }
    >
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" name="reject">
        <Form.Item name="reason" label={t('form.reasonForRejection')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function Resolutions({ api, me }: { api: ApiClient; me: string }) {
  const { t, label, dateTime, language } = useI18n();
  const { message } = App.useApp();
  const cases = useLoad(() => api.get<CaseSummary[]>('investigation', '/v1/cases', { query: { status: 'awaiting-approval' } }), [api]);
  const [rejecting, setRejecting] = useState<CaseSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const decide = async (c: CaseSummary, decision: 'approve' | 'reject', reason?: string) => {
    setError(null);
    try {
      await api.post('investigation', `/v1/cases/${c.id}/resolution/decision`, { decision, ...(reason ? { reason } : {}) });
      message.success(t(decision === 'approve' ? 'done.approved' : 'done.rejected'));
      cases.reload();
    } catch (e) {
      if (decision === 'reject') throw e;
      setError(e);
    }
  };
  return (
    <>
      <ErrorAlert error={error ?? cases.error} onClose={() => setError(null)} />
      <Table<CaseSummary>
        rowKey="id"
        size="middle"
        loading={cases.loading}
        dataSource={cases.data ?? []}
        pagination={false}
        locale={{ emptyText: t('approvals.noResolutions') }}
        aria-label={t('approvals.resolutions')}
        columns={[
          { title: t('case.ticket'), dataIndex: 'ticketNumber', render: (v: string, r) => <Link to={pathOf.case(r.id)}>{v}</Link> },
          { title: t('case.department'), dataIndex: 'department' },
          { title: t('case.severity'), dataIndex: 'severity', render: (v: string) => label('severity', v) },
          { title: t('form.outcome'), key: 'outcome', render: (_, r) => label('outcome', r.proposal?.outcome) },
          { title: t('form.remedyType'), key: 'remedy', render: (_, r) => (r.proposal?.remedy ? `${label('remedyType', r.proposal.remedy.type)} ${formatMoney(r.proposal.remedy.amountMinor, r.proposal.remedy.currency, language)}` : '—') },
          { title: t('case.proposedBy'), key: 'by', render: (_, r) => r.proposal?.proposedBy ?? '—' },
          { title: t('case.dueBy'), dataIndex: 'responseDueBy', render: (v: string) => dateTime(v) },
          {
            title: t('approvals.decision'),
            key: 'decide',
            render: (_, r) =>
              r.proposal?.proposedBy === me ? (
                <span>{t('approvals.ownProposal')}</span>
              ) : (
                <Space>
                  <Button type="primary" onClick={() => decide(r, 'approve')} aria-label={t('approvals.approveCase', { ticket: r.ticketNumber })}>
                    {t('form.approve')}
                  </Button>
                  <Button onClick={() => setRejecting(r)} aria-label={t('approvals.rejectCase', { ticket: r.ticketNumber })}>
                    {t('form.reject')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <RejectDialog
        open={rejecting !== null}
        onCancel={() => setRejecting(null)}
        onReject={async (reason) => {
          await decide(rejecting!, 'reject', reason);
          setRejecting(null);
        }}
      />
    </>
  );
}

function Remedies({ api, me, limit }: { api: ApiClient; me: string; limit: number | null }) {
  const { t, label, dateTime, language } = useI18n();
  const { message } = App.useApp();
  const remedies = useLoad(() => api.get<Remedy[]>('compensation', '/v1/remedies/awaiting-approval'), [api]);
  const [onlyMine, setOnlyMine] = useState(true);
  const [rejecting, setRejecting] = useState<Remedy | null>(null);
  const [error, setError] = useState<unknown>(null);
  const rows = (remedies.data ?? []).filter((r) => !onlyMine || withinLimit(r.amount.amountMinor, limit) !== false);
  const approve = async (r: Remedy) => {
    setError(null);
    try {
      await api.post('compensation', `/v1/remedies/${r.remedyId}/approvals`);
      message.success(t('done.approved'));
      remedies.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <Checkbox checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)}>
          {t('approvals.withinLimitOnly')}
        </Checkbox>
        <span>{limit === null ? t('approvals.noLimitClaim') : t('approvals.yourLimit', { limit: formatMoney(limit, 'CNY', language) })}</span>
        <Button onClick={remedies.reload}>{t('common.refresh')}</Button>
      </Space>
      <ErrorAlert error={error ?? remedies.error} onClose={() => setError(null)} />
      <Table<Remedy>
        rowKey="remedyId"
        size="middle"
        loading={remedies.loading}
        dataSource={rows}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        locale={{ emptyText: t('approvals.noRemedies') }}
        aria-label={t('approvals.remedies')}
        columns={[
          { title: t('form.remedyType'), dataIndex: 'type', render: (v: string) => label('remedyType', v) },
          { title: t('approvals.amount'), key: 'amount', render: (_, r) => formatMoney(r.amount.amountMinor, r.amount.currency, language) },
          { title: t('approvals.complaint'), dataIndex: 'complaintId', render: (v: string) => <code>{v.slice(0, 8)}</code> },
          { title: t('case.proposedBy'), dataIndex: 'proposedBy', render: (v: string | null) => v ?? '—' },
          { title: t('approvals.approvals'), key: 'approvals', render: (_, r) => r.approvals.map((a) => a.approver).join(', ') || '—' },
          { title: t('approvals.hold'), dataIndex: 'holdReason', render: (v: string | null) => (v ? <PlainTag>{v}</PlainTag> : '—') },
          { title: t('approvals.proposedAt'), dataIndex: 'proposedAt', render: (v: string) => dateTime(v) },
          {
            title: t('approvals.decision'),
            key: 'decide',
            render: (_, r) =>
              r.proposedBy === me ? (
                <span>{t('approvals.ownProposal')}</span>
              ) : (
                <Space>
                  <Button type="primary" onClick={() => approve(r)} aria-label={t('approvals.approveRemedy', { amount: formatMoney(r.amount.amountMinor, r.amount.currency, language) })}>
                    {t('form.approve')}
                  </Button>
                  <Button onClick={() => setRejecting(r)} aria-label={t('approvals.rejectRemedy', { amount: formatMoney(r.amount.amountMinor, r.amount.currency, language) })}>
                    {t('form.reject')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <RejectDialog
        open={rejecting !== null}
        onCancel={() => setRejecting(null)}
        onReject={async (reason) => {
          await api.post('compensation', `/v1/remedies/${rejecting!.remedyId}/rejection`, { reason });
          message.success(t('done.rejected'));
          setRejecting(null);
          remedies.reload();
        }}
      />
    </>
  );
}

export default function ApprovalsPage() {
  const { t } = useI18n();
  const { api, identity } = useSession();
  const roles = identity?.roles ?? [];
  const me = identity?.subject ?? '';
  const items = [
    ...(roles.includes('approver') ? [{ key: 'resolutions', label: t('approvals.resolutions'), children: <Resolutions api={api} me={me} /> }] : []),
    { key: 'remedies', label: t('approvals.remedies'), children: <Remedies api={api} me={me} limit={identity?.approvalLimitMinor ?? null} /> },
  ];
  return (
    <>
      <Typography.Title level={1}>{t('approvals.title')}</Typography.Title>
      <Typography.Paragraph>{t('approvals.intro')}</Typography.Paragraph>
      <Tabs items={items} />
    </>
  );
}
