import { Alert, Card, Col, Radio, Row, Space, Statistic, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Chart } from '../components/Chart';
import { ErrorAlert, PlainTag, useLoad } from '../components/common';
import { TIME_ZONE, useI18n } from '../i18n/i18n';
import { deadlineCompliance, topRootCauses, VolumeDimension, volumesOverTime } from '../lib/aggregate';
import type { ApiClient } from '../lib/api';
import type { CaseSummary, ImprovementAction, IndexedComplaint, Incident, SearchAnswer, StatTable, SurveyStatistics } from '../lib/types';
import { OPEN_CASE_STATES } from '../lib/vocabulary';
import { useSession } from '../session';
import { retrievalHeaders } from './retrieval';

/** Pages of 100 the dashboard reads from the archive's search; beyond them it says the figures are partial. */
const MAX_SEARCH_PAGES = 10;
/** Compliance monitoring is an internal-audit purpose (docs/archive.md, Retrievals); the reference names the reader. */
const DASHBOARD_RETRIEVAL = retrievalHeaders({ purpose: 'internal-audit', reference: 'console-dashboard' });

async function loadVolumes(api: ApiClient, from: Date, to: Date) {
  const period = { from: from.toISOString(), to: to.toISOString() };
  const stats = await api.get<{ tables: StatTable[] }>('compliance-archive', '/v1/archive/statistics', { query: { ...period, report: 'jrt0169', format: 'json' }, headers: DASHBOARD_RETRIEVAL });
  const complaints: IndexedComplaint[] = [];
  let total = 0;
  for (let page = 1; page <= MAX_SEARCH_PAGES; page++) {
    const answer = await api.get<SearchAnswer>('compliance-archive', '/v1/archive/search', { query: { ...period, page }, headers: DASHBOARD_RETRIEVAL });
    complaints.push(...answer.complaints);
    total = answer.total;
    if (complaints.length >= total || answer.complaints.length === 0) break;
  }
  const labels: Record<string, { zh: string; en: string }> = {};
  for (const table of stats.tables) for (const row of table.rows) if (typeof row.code === 'string') labels[row.code] = { zh: String(row.label ?? row.code), en: String(row.labelEn ?? row.code) };
  return { complaints, total, labels };
}

export default function DashboardPage() {
  const { t, label, language, dateTime } = useI18n();
  const { api } = useSession();
  const [days, setDays] = useState(30);
  const [dimension, setDimension] = useState<VolumeDimension>('category');
  const period = useMemo(() => {
    const to = new Date(Date.now() + 60_000);
    return { from: new Date(to.getTime() - days * 86_400_000), to };
  }, [days]);

  const volumes = useLoad(() => loadVolumes(api, period.from, period.to), [api, period]);
  const cases = useLoad(async () => {
    const [open, answered] = await Promise.all([
      api.get<CaseSummary[]>('investigation', '/v1/cases', { query: { status: OPEN_CASE_STATES } }),
      api.get<CaseSummary[]>('investigation', '/v1/cases', { query: { status: ['responded', 'closed'] } }),
    ]);
    return [...open, ...answered];
  }, [api]);
  const actions = useLoad(() => api.get<ImprovementAction[]>('investigation', '/v1/improvement-actions'), [api]);
  const surveys = useLoad(() => api.get<SurveyStatistics>('notification', '/v1/surveys/statistics', { query: { from: period.from.toISOString(), to: period.to.toISOString() } }), [api, period]);
  const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
  const incidents = useLoad(() => api.get<Incident[]>('triage', '/v1/triage/incidents'), [api]);

  const now = useMemo(() => new Date(), [cases.data]);
  const codeLabel = (code: string) => {
    if (dimension === 'channel') return label('channel', code);
    if (code === 'other') return t('dashboard.other');
    if (code === 'unclassified') return t('dashboard.unclassified');
    const l = volumes.data?.labels[code];
    return l ? `${code} ${language === 'zh-CN' ? l.zh : l.en}` : code;
  };
  const series = useMemo(() => (volumes.data ? volumesOverTime(volumes.data.complaints, dimension, period.from, period.to, TIME_ZONE) : null), [volumes.data, dimension, period]);
  const compliance = useMemo(() => (cases.data ? deadlineCompliance(cases.data, now) : null), [cases.data, now]);
  const causes = useMemo(() => (cases.data ? topRootCauses(cases.data) : []), [cases.data]);
  const recentIncidents = (incidents.data ?? []).filter((i) => Date.parse(i.detectedAt) >= period.from.getTime());

  const volumeSummary = series
    ? t('dashboard.volumeSummary', { days, total: series.total, breakdown: series.series.map((s) => `${codeLabel(s.key)} ${s.total}`).join(', ') || '—' })
    : '';
  const complianceStates = ['met', 'late', 'on-track', 'warning', 'breached', 'paused'] as const;
  const complianceSummary = compliance ? complianceStates.map((s) => `${label('deadline', s)} ${compliance[s]}`).join(', ') : '';
  const causeSummary = causes.map((c) => `${label('rootCause', c.code)} ${c.count}`).join(', ') || t('common.none');

  return (
    <>
      <Typography.Title level={1}>{t('dashboard.title')}</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Radio.Group
          aria-label={t('dashboard.period')}
          optionType="button"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          options={[7, 30, 90].map((d) => ({ value: d, label: t('dashboard.lastDays', { days: d }) }))}
        />
      </Space>

      {recentIncidents.length > 0 && (
        <section aria-labelledby="incidents-heading" style={{ marginBottom: 24 }}>
          <Typography.Title level={2} id="incidents-heading" style={{ fontSize: 18 }}>
            {t('dashboard.incidents')}
          </Typography.Title>
          {recentIncidents.map((i) => (
            <Alert
              key={i.id}
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              title={t('dashboard.incident', { at: dateTime(i.detectedAt), count: i.complaintIds.length, product: i.product, category: i.category })}
              description={i.reason}
            />
          ))}
        </section>
      )}
      <ErrorAlert error={incidents.error} />

      <Row gutter={[24, 24]}>
        <Col xs={24}>
          <Card
            title={<h2 className="card-title">{t('dashboard.volumes')}</h2>}
            extra={
              <Radio.Group
                aria-label={t('dashboard.dimension')}
                optionType="button"
                size="small"
                value={dimension}
                onChange={(e) => setDimension(e.target.value)}
                options={[
                  { value: 'category', label: t('dashboard.byCategory') },
                  { value: 'channel', label: t('dashboard.byChannel') },
                  { value: 'productCode', label: t('dashboard.byProduct') },
                ]}
              />
            }
          >
            <ErrorAlert error={volumes.error} />
            {volumes.data && volumes.data.total > volumes.data.complaints.length && (
              <Alert type="info" showIcon style={{ marginBottom: 8 }} title={t('dashboard.partial', { shown: volumes.data.complaints.length, total: volumes.data.total })} />
            )}
            {series && (
              <Chart
                summary={volumeSummary}
                option={{
                  tooltip: { trigger: 'axis' },
                  legend: { type: 'scroll', top: 0 },
                  grid: { left: 40, right: 16, top: 40, bottom: 30 },
                  xAxis: { type: 'category', data: series.days },
                  yAxis: { type: 'value', minInterval: 1 },
                  series: series.series.map((s) => ({ name: codeLabel(s.key), type: 'bar', stack: 'total', data: s.counts })),
                }}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={<h2 className="card-title">{t('dashboard.deadlines')}</h2>}>
            <ErrorAlert error={cases.error} />
            {compliance && (
              <>
                <Statistic title={t('dashboard.onTimeRate')} value={compliance.onTimeRate === null ? '—' : `${(compliance.onTimeRate * 100).toFixed(1)}%`} />
                <Chart
                  summary={complianceSummary}
                  height={260}
                  option={{
                    tooltip: { trigger: 'item' },
                    legend: { bottom: 0 },
                    series: [{ type: 'pie', radius: ['40%', '70%'], data: complianceStates.filter((s) => compliance[s] > 0).map((s) => ({ name: label('deadline', s), value: compliance[s] })) }],
                  }}
                />
                <Typography.Paragraph>{t('dashboard.deadlinesNote')}</Typography.Paragraph>
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={<h2 className="card-title">{t('dashboard.rootCauses')}</h2>}>
            <Chart
              summary={causeSummary}
              height={300}
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 120, right: 16, top: 10, bottom: 30 },
                xAxis: { type: 'value', minInterval: 1 },
                yAxis: { type: 'category', inverse: true, data: causes.map((c) => label('rootCause', c.code)) },
                series: [{ type: 'bar', data: causes.map((c) => c.count) }],
              }}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={<h2 className="card-title">{t('dashboard.satisfaction')}</h2>} data-testid="dashboard-satisfaction">
            <ErrorAlert error={surveys.error} />
            {surveys.data && (
              <>
                <Space size="large" wrap>
                  <Statistic title={t('dashboard.satisfiedRate')} value={percent(surveys.data.satisfiedRate)} />
                  <Statistic title={t('dashboard.averageScore')} value={surveys.data.averageScore === null ? '—' : surveys.data.averageScore.toFixed(2)} />
                  <Statistic title={t('dashboard.responseRate')} value={percent(surveys.data.responseRate)} />
                </Space>
                <Typography.Paragraph style={{ marginTop: 16 }}>
                  {t('dashboard.satisfactionNote', { offered: surveys.data.offered, answered: surveys.data.answered, reviews: surveys.data.reviewsOpened })}
                </Typography.Paragraph>
              </>
            )}
          </Card>
        </Col>
        <Col xs={24}>
          <Card title={<h2 className="card-title">{t('dashboard.improvements')}</h2>}>
            <ErrorAlert error={actions.error} />
            <Table<ImprovementAction>
              rowKey="id"
              size="small"
              loading={actions.loading}
              dataSource={actions.data ?? []}
              pagination={{ pageSize: 10, showSizeChanger: false }}
              aria-label={t('dashboard.improvements')}
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('case.department'), dataIndex: 'department' },
                { title: t('dashboard.measure'), dataIndex: 'measure' },
                { title: t('form.rootCause'), dataIndex: 'rootCause', render: (v: string) => label('rootCause', v) },
                { title: t('form.dueBy'), dataIndex: 'dueBy', render: (v: string) => dateTime(v) },
                { title: t('case.status'), dataIndex: 'status', render: (v: string, r) => <PlainTag>{`${label('improvementStatus', v)}${r.overdue ? ` · ${t('dashboard.overdue')}` : ''}`}</PlainTag> },
                { title: t('dashboard.linkedCases'), dataIndex: 'linkedCases' },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
