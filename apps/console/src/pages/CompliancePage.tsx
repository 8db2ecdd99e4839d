import { Alert, Button, Form, Input, InputNumber, Pagination, Select, Space, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { ErrorAlert, Link, PlainTag, saveBlob, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import type { ApiClient } from '../lib/api';
import { formatMoney } from '../lib/money';
import { pathOf } from '../lib/routes';
import type { IndexedComplaint, Integrity, Retrieval, SearchAnswer } from '../lib/types';
import { ARCHIVE_STATUSES, CHANNELS } from '../lib/vocabulary';
import { useSession } from '../session';
import { PurposeFields, retrievalHeaders, StatedPurpose, useStatedPurpose } from './retrieval';

interface SearchForm {
  ticket?: string;
  complaintId?: string;
  customerRef?: string;
  from?: string;
  to?: string;
  category?: string;
  product?: string;
  channel?: string;
  status?: string;
}

/** A date from a date input, as the instant its day starts in Beijing time, which the archive's filters take with their offset. */
export const beijingDayStart = (day: string) => `${day}T00:00:00+08:00`;

function Search({ api, stated }: { api: ApiClient; stated: StatedPurpose }) {
  const { t, label, dateTime, language } = useI18n();
  const [filter, setFilter] = useState<SearchForm | null>(null);
  const [page, setPage] = useState(1);
  const found = useLoad(
    async () =>
      filter
        ? api.get<SearchAnswer>('compliance-archive', '/v1/archive/search', {
            query: { ...filter, from: filter.from ? beijingDayStart(filter.from) : undefined, to: filter.to ? beijingDayStart(filter.to) : undefined, page },
            headers: retrievalHeaders(stated),
          })
        : null,
    [api, JSON.stringify(filter), page],
  );
  const trim = (v?: string) => v?.trim() || undefined;
  return (
    <>
      <Form<SearchForm>
        layout="vertical"
        name="archive-search"
        onFinish={(v) => {
          setPage(1);
          setFilter({ ...v, ticket: trim(v.ticket), complaintId: trim(v.complaintId), customerRef: trim(v.customerRef), category: trim(v.category), product: trim(v.product) });
        }}
      >
        <Space wrap align="start">
          <Form.Item name="ticket" label={t('compliance.ticket')}>
            <Input />
          </Form.Item>
          <Form.Item name="complaintId" label={t('compliance.complaintId')} rules={[{ pattern: /^\s*[0-9a-fA-F-]{36}\s*$/, message: t('compliance.uuidInvalid') }]}>
            <Input style={{ width: 320 }} />
          </Form.Item>
          <Form.Item name="customerRef" label={t('compliance.customerRef')}>
            <Input />
          </Form.Item>
          <Form.Item name="from" label={t('compliance.receivedFrom')}>
            <Input type="date" />
          </Form.Item>
          <Form.Item name="to" label={t('compliance.receivedBefore')}>
            <Input type="date" />
          </Form.Item>
          <Form.Item name="category" label={t('compliance.category')}>
            <Input />
          </Form.Item>
          <Form.Item name="product" label={t('compliance.product')}>
            <Input />
          </Form.Item>
          <Form.Item name="channel" label={t('compliance.channel')}>
            <Select allowClear style={{ minWidth: 160 }} options={CHANNELS.map((c) => ({ value: c, label: label('channel', c) }))} />
          </Form.Item>
          <Form.Item name="status" label={t('compliance.status')}>
            <Select allowClear style={{ minWidth: 160 }} options={ARCHIVE_STATUSES.map((s) => ({ value: s, label: label('archiveStatus', s) }))} />
          </Form.Item>
        </Space>
        <Button type="primary" htmlType="submit">
          {t('compliance.search')}
        </Button>
      </Form>
      <ErrorAlert error={found.error} />
      {found.data && (
        <>
          <p role="status" style={{ marginTop: 16 }}>
            {t('compliance.hits', { total: found.data.total })}
          </p>
          <Table<IndexedComplaint>
            rowKey="complaintId"
            size="middle"
            loading={found.loading}
            dataSource={found.data.complaints}
            pagination={false}
            aria-label={t('compliance.results')}
            locale={{ emptyText: t('compliance.noHits') }}
            columns={[
              { title: t('compliance.ticket'), dataIndex: 'ticketNumber', render: (v: string | null, r) => <Link to={pathOf.dossier(r.complaintId)}>{v ?? r.complaintId}</Link> },
              { title: t('compliance.receivedAt'), dataIndex: 'receivedAt', render: (v: string | null) => dateTime(v) },
              { title: t('compliance.channel'), dataIndex: 'channel', render: (v: string | null) => label('channel', v) },
              { title: t('compliance.product'), dataIndex: 'productCode', render: (v: string | null) => v ?? '—' },
              { title: t('compliance.category'), dataIndex: 'category', render: (v: string | null) => v ?? '—' },
              { title: t('case.severity'), dataIndex: 'severity', render: (v: string | null) => label('severity', v) },
              { title: t('compliance.status'), dataIndex: 'status', render: (v: string) => <PlainTag>{label('archiveStatus', v)}</PlainTag> },
              { title: t('form.outcome'), dataIndex: 'outcome', render: (v: string | null) => label('outcome', v) },
              { title: t('compliance.redress'), dataIndex: 'redress', render: (v: IndexedComplaint['redress']) => (v ? formatMoney(v.amountMinor, v.currency, language) : '—') },
            ]}
          />
          {found.data.total > found.data.perPage && (
            <Pagination style={{ marginTop: 12 }} current={page} pageSize={found.data.perPage} total={found.data.total} onChange={setPage} showSizeChanger={false} />
          )}
        </>
      )}
    </>
  );
}

function IntegrityStatus({ api }: { api: ApiClient }) {
  const { t, dateTime } = useI18n();
  const verdict = useLoad(() => api.get<Integrity>('compliance-archive', '/v1/archive/integrity'), [api]);
  return (
    <>
      <ErrorAlert error={verdict.error} />
      {verdict.data && (
        <Alert
          type={verdict.data.intact ? 'success' : 'error'}
          showIcon
          role="status"
          title={verdict.data.intact ? t('compliance.intact', { entries: verdict.data.entries }) : t('compliance.broken', { seq: String(verdict.data.brokenAtSeq ?? '?'), problem: verdict.data.problem ?? '' })}
          description={t('compliance.checkedAt', { at: dateTime(verdict.data.checkedAt) })}
          style={{ marginBottom: 16 }}
        />
      )}
      <Button onClick={verdict.reload} loading={verdict.loading}>
        {t('compliance.recheck')}
      </Button>
    </>
  );
}

function AccessLog({ api }: { api: ApiClient }) {
  const { t, label, dateTime } = useI18n();
  const [actor, setActor] = useState<string | undefined>();
  const log = useLoad(() => api.get<{ retrievals: Retrieval[]; truncated: boolean }>('compliance-archive', '/v1/archive/retrievals', { query: { actor } }), [api, actor]);
  return (
    <>
      <Form layout="inline" style={{ marginBottom: 12 }} onFinish={(v: { actor?: string }) => setActor(v.actor?.trim() || undefined)}>
        <Form.Item name="actor" label={t('compliance.actor')}>
          <Input />
        </Form.Item>
        <Button htmlType="submit">{t('compliance.filter')}</Button>
      </Form>
      <ErrorAlert error={log.error} />
      {log.data?.truncated && <Alert type="info" showIcon title={t('compliance.truncated')} style={{ marginBottom: 12 }} />}
      <Table<Retrieval>
        rowKey="id"
        size="small"
        loading={log.loading}
        dataSource={log.data?.retrievals ?? []}
        pagination={{ pageSize: 25, showSizeChanger: false }}
        aria-label={t('compliance.accessLog')}
        columns={[
          { title: t('compliance.at'), dataIndex: 'at', render: (v: string) => dateTime(v) },
          { title: t('compliance.actor'), dataIndex: 'actor' },
          { title: t('compliance.roles'), dataIndex: 'roles', render: (v: string[]) => v.map((r) => label('role', r)).join(', ') },
          { title: t('compliance.purpose'), dataIndex: 'purpose', render: (v: string) => label('purpose', v) },
          { title: t('compliance.reference'), dataIndex: 'reference', render: (v: string | null) => v ?? '—' },
          { title: t('compliance.what'), dataIndex: 'what' },
          { title: t('compliance.ticket'), dataIndex: 'ticketNumber', render: (v: string | null, r) => v ?? (r.query ? t('compliance.queryHits', { hits: r.query.hits }) : '—') },
        ]}
      />
    </>
  );
}

function BundleExport({ api, stated }: { api: ApiClient; stated: StatedPurpose }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Typography.Paragraph>{t('compliance.bundleIntro')}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form
        layout="inline"
        name="bundle"
        onFinish={async (v: { from?: number; to?: number }) => {
          setBusy(true);
          setError(null);
          try {
            const bundle = await api.get<{ fromSeq: number; toSeq: number }>('compliance-archive', '/v1/archive/export', { query: { from: v.from, to: v.to }, headers: retrievalHeaders(stated) });
            saveBlob(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }), `archive-${bundle.fromSeq}-${bundle.toSeq}.json`);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item name="from" label={t('compliance.fromSeq')}>
          <InputNumber min={1} precision={0} />
        </Form.Item>
        <Form.Item name="to" label={t('compliance.toSeq')}>
          <InputNumber min={1} precision={0} />
        </Form.Item>
        <Button htmlType="submit" loading={busy}>
          {t('compliance.exportBundle')}
        </Button>
      </Form>
    </>
  );
}

export default function CompliancePage() {
  const { t } = useI18n();
  const { api, identity } = useSession();
  const [stated, setStated] = useStatedPurpose();
  // A bundle is the stored bytes, personal data included: compliance officers only (auditors get 403).
  const exports = identity?.roles.includes('compliance-officer') ?? false;
  return (
    <>
      <Typography.Title level={1}>{t('compliance.title')}</Typography.Title>
      <Typography.Paragraph>{t('compliance.intro')}</Typography.Paragraph>
      <PurposeFields stated={stated} onChange={setStated} />
      <Tabs
        items={[
          { key: 'search', label: t('compliance.searchTab'), children: <Search api={api} stated={stated} /> },
          { key: 'integrity', label: t('compliance.integrityTab'), children: <IntegrityStatus api={api} /> },
          { key: 'access', label: t('compliance.accessLog'), children: <AccessLog api={api} /> },
          ...(exports ? [{ key: 'bundle', label: t('compliance.bundleTab'), children: <BundleExport api={api} stated={stated} /> }] : []),
        ]}
      />
    </>
  );
}
