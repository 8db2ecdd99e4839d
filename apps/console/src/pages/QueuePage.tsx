import { Button, Checkbox, Form, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useMemo, useState } from 'react';
import { DeadlineTag, ErrorAlert, Link, PlainTag, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { byDeadline, Deadline, deadlineOf } from '../lib/deadline';
import { pathOf } from '../lib/routes';
import type { CaseSummary, TriageDecision } from '../lib/types';
import { CASE_STATES, CaseState, OPEN_CASE_STATES } from '../lib/vocabulary';
import { useSession } from '../session';

type Row = CaseSummary & { deadline: Deadline };
const PAGE_SIZE = 20;

export default function QueuePage() {
  const { t, label, dateTime } = useI18n();
  const { api, identity } = useSession();
  const [statuses, setStatuses] = useState<CaseState[]>([...OPEN_CASE_STATES]);
  const [department, setDepartment] = useState<string | undefined>();
  const [mine, setMine] = useState(false);
  const [page, setPage] = useState(1);
  const [departments, setDepartments] = useState<string[]>([]);
  const [clocks, setClocks] = useState<Record<string, TriageDecision | null>>({});

  const cases = useLoad(
    () => api.get<CaseSummary[]>('investigation', '/v1/cases', { query: { status: statuses, department, assignedTo: mine ? 'me' : undefined } }),
    [api, statuses.join(','), department, mine],
  );
  useEffect(() => {
    if (cases.data) setDepartments((known) => [...new Set([...known, ...cases.data!.map((c) => c.department)])].sort());
  }, [cases.data]);

  const now = useMemo(() => new Date(), [cases.data, clocks]);
  const rows: Row[] = useMemo(
    () =>
      (cases.data ?? [])
        .map((c) => {
          const triage = clocks[c.complaintId];
          return { ...c, deadline: deadlineOf({ ...c, clock: triage?.clock ?? null, breachedAt: triage?.breachedAt ?? null }, now) };
        })
        .sort(byDeadline),
    [cases.data, clocks, now],
  );

  // Triage holds the clock (pauses, breaches): read it for the rows on screen only.
  const visible = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const missing = visible.filter((r) => !(r.complaintId in clocks)).map((r) => r.complaintId);
  const canReadTriage = identity?.roles.some((r) => ['triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor'].includes(r));
  useEffect(() => {
    if (!canReadTriage || missing.length === 0) return;
    let cancelled = false;
    Promise.all(missing.map((id) => api.get<TriageDecision>('triage', `/v1/triage/complaints/${id}`).then((d) => [id, d] as const, () => [id, null] as const))).then((found) => {
      if (!cancelled) setClocks((c) => ({ ...c, ...Object.fromEntries(found) }));
    });
    return () => {
      cancelled = true;
    };
  }, [api, canReadTriage, missing.join(',')]);

  const columns: ColumnsType<Row> = [
    { title: t('case.ticket'), dataIndex: 'ticketNumber', render: (v: string, r) => <Link to={pathOf.case(r.id)}>{v}</Link> },
    { title: t('case.deadline'), key: 'deadline', render: (_, r) => <DeadlineTag deadline={r.deadline} /> },
    { title: t('case.dueBy'), key: 'dueBy', render: (_, r) => dateTime(r.deadline.dueBy) },
    { title: t('case.status'), dataIndex: 'status', render: (v: string) => <PlainTag>{label('caseStatus', v)}</PlainTag> },
    { title: t('case.severity'), dataIndex: 'severity', render: (v: string) => label('severity', v) },
    { title: t('case.department'), dataIndex: 'department' },
    { title: t('case.category'), dataIndex: 'category', render: (v: string | null) => v ?? '—' },
    { title: t('case.assignedTo'), dataIndex: 'assignedTo', render: (v: string | null) => v ?? t('case.unassigned') },
  ];

  return (
    <>
      <Typography.Title level={1}>{t('queue.title')}</Typography.Title>
      <Typography.Paragraph>{t('queue.intro')}</Typography.Paragraph>
      <Form layout="inline" style={{ marginBottom: 16, rowGap: 8 }} aria-label={t('queue.filters')}>
        <Form.Item label={t('queue.filterStatus')} htmlFor="queue-status">
          <Select<CaseState[]>
            id="queue-status"
            mode="multiple"
            style={{ minWidth: 320 }}
            value={statuses}
            onChange={(v) => {
              setStatuses(v);
              setPage(1);
            }}
            options={CASE_STATES.map((s) => ({ value: s, label: label('caseStatus', s) }))}
            placeholder={t('queue.anyStatus')}
          />
        </Form.Item>
        <Form.Item label={t('queue.filterDepartment')} htmlFor="queue-department">
          <Select<string>
            id="queue-department"
            allowClear
            style={{ minWidth: 200 }}
            value={department}
            onChange={(v) => {
              setDepartment(v);
              setPage(1);
            }}
            options={departments.map((d) => ({ value: d, label: d }))}
            placeholder={t('queue.anyDepartment')}
          />
        </Form.Item>
        <Form.Item>
          <Checkbox checked={mine} onChange={(e) => setMine(e.target.checked)}>
            {t('queue.mine')}
          </Checkbox>
        </Form.Item>
        <Form.Item>
          <Space>
            <Button onClick={cases.reload}>{t('common.refresh')}</Button>
          </Space>
        </Form.Item>
      </Form>
      <ErrorAlert error={cases.error} />
      <Table<Row>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={rows}
        loading={cases.loading}
        pagination={{ current: page, pageSize: PAGE_SIZE, onChange: setPage, showSizeChanger: false }}
        locale={{ emptyText: t('queue.empty') }}
        aria-label={t('queue.title')}
      />
    </>
  );
}
