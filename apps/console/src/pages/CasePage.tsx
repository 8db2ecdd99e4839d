import { Button, Card, Col, Collapse, Descriptions, Empty, List, Row, Space, Table, Tag, Timeline, Typography } from 'antd';
import { ReactNode, useMemo } from 'react';
import { ATTENTION_TAG_STYLE, DeadlineTag, ErrorAlert, Link, PlainTag, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { deadlineOf } from '../lib/deadline';
import { formatMoney } from '../lib/money';
import { complaintParticulars } from '../lib/particulars';
import { pathOf } from '../lib/routes';
import type { CaseDetail, StaffComplaint, TriageDecision } from '../lib/types';
import { useSession } from '../session';
import { useCaseActions } from './CaseActions';
import { RegulatorDeadlineCard } from './RegulatorDeadline';

interface TimelineEntry {
  at: string;
  what: ReactNode;
}

export default function CasePage({ caseId }: { caseId: string }) {
  const { t, label, dateTime, date, language } = useI18n();
  const { api, identity } = useSession();
  const roles = identity?.roles ?? [];
  const found = useLoad(() => api.get<CaseDetail>('investigation', `/v1/cases/${caseId}`), [api, caseId]);
  const c = found.data;
  const readsTriage = roles.some((r) => ['triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor'].includes(r));
  const readsComplaint = roles.some((r) => ['triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor'].includes(r));
  const triage = useLoad(async () => (c && readsTriage ? api.get<TriageDecision>('triage', `/v1/triage/complaints/${c.complaintId}`) : null), [api, c?.complaintId, readsTriage]);
  const complaint = useLoad(async () => (c && readsComplaint ? api.get<StaffComplaint>('intake', `/v1/staff/complaints/${c.complaintId}`) : null), [api, c?.complaintId, readsComplaint]);
  const actions = useCaseActions({ api, found: c ?? emptyCase, roles, me: identity?.subject ?? '', done: () => found.reload() });

  const timeline = useMemo<TimelineEntry[]>(() => {
    if (!c) return [];
    const entries: TimelineEntry[] = [
      ...c.transitions.map((x) => ({
        at: x.at,
        what: (
          <>
            <strong>{label('caseAction', x.action)}</strong> · {label('caseStatus', x.from)} → {label('caseStatus', x.to)} · {x.by}
            {x.reason ? ` · ${x.reason}` : ''}
          </>
        ),
      })),
      ...c.assignments.map((a) => ({ at: a.at, what: t('timeline.assigned', { investigator: a.investigator, by: a.assignedBy, method: label('assignMethod', a.method) }) })),
      ...c.tasks.map((x) => ({ at: x.requestedAt, what: t('timeline.taskRequested', { department: x.department, by: x.requestedBy }) })),
      ...c.tasks.filter((x) => x.completedAt).map((x) => ({ at: x.completedAt!, what: t('timeline.taskCompleted', { department: x.department, by: x.completedBy ?? '' }) })),
      ...c.evidence.map((x) => ({ at: x.addedAt, what: t('timeline.evidence', { kind: label('evidenceKind', x.kind), by: x.addedBy }) })),
      ...c.contacts.map((x) => ({ at: x.at, what: t('timeline.contact', { channel: label('contactChannel', x.channel), outcome: label('contactOutcome', x.outcome), by: x.loggedBy }) })),
      ...c.notes.map((x) => ({ at: x.at, what: t('timeline.note', { by: x.author }) })),
      ...c.extensions.map((x) => ({ at: x.requestedAt, what: t('timeline.extension', { period: label('period', x.toPeriod), by: x.requestedBy }) })),
    ];
    return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }, [c, t, label]);

  if (!c) {
    return (
      <>
        <Typography.Title level={1}>{t('case.title')}</Typography.Title>
        <ErrorAlert error={found.error} />
      </>
    );
  }
  const deadline = deadlineOf({ ...c, clock: triage.data?.clock ?? null, breachedAt: triage.data?.breachedAt ?? null }, new Date());
  const money = (m: { amountMinor: number; currency: string } | null | undefined) => (m ? formatMoney(m.amountMinor, m.currency, language) : '—');

  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Link to={pathOf.queue()}>{t('case.backToQueue')}</Link>
      </Space>
      <Typography.Title level={1}>{t('case.heading', { ticket: c.ticketNumber })}</Typography.Title>
      <ErrorAlert error={found.error} />
      <Descriptions bordered size="small" column={{ xs: 1, md: 2, xl: 3 }} style={{ marginBottom: 24 }}>
        <Descriptions.Item label={t('case.status')}>
          <span data-testid="case-status">{label('caseStatus', c.status)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('case.deadline')}>
          <DeadlineTag deadline={deadline} />
        </Descriptions.Item>
        <Descriptions.Item label={t('case.dueBy')}>{dateTime(deadline.dueBy)}</Descriptions.Item>
        <Descriptions.Item label={t('case.severity')}>{label('severity', c.severity)}</Descriptions.Item>
        <Descriptions.Item label={t('case.department')}>{c.department}</Descriptions.Item>
        <Descriptions.Item label={t('case.assignedTo')}>{c.assignedTo ?? t('case.unassigned')}</Descriptions.Item>
        <Descriptions.Item label={t('case.period')}>{label('period', c.period ?? 'standard')}</Descriptions.Item>
        <Descriptions.Item label={t('case.level')}>{t('case.levelValue', { level: c.level, round: c.reviewRound })}</Descriptions.Item>
        <Descriptions.Item label={t('case.category')}>{triage.data ? `${triage.data.product.code} ${triage.data.product.title} / ${triage.data.category.code} ${triage.data.category.title}` : c.category ?? '—'}</Descriptions.Item>
      </Descriptions>

      <Row gutter={[24, 24]}>
        <Col xs={24} xl={14}>
          {complaint.data && (
            <Card title={<h2 className="card-title">{t('case.complaint')}</h2>} style={{ marginBottom: 24 }}>
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('case.channel')}>{label('channel', complaint.data.channel)}</Descriptions.Item>
                {complaintParticulars(complaint.data, { t, label, dateTime, date }).map((p) => (
                  <Descriptions.Item key={p.key} label={p.label}>
                    {p.attention ? (
                      <Tag data-testid={`complaint-${p.key}`} style={ATTENTION_TAG_STYLE}>
                        {p.value}
                      </Tag>
                    ) : (
                      <span data-testid={`complaint-${p.key}`}>{p.value}</span>
                    )}
                  </Descriptions.Item>
                ))}
                <Descriptions.Item label={t('case.amountInDispute')}>{money(complaint.data.amountInDispute)}</Descriptions.Item>
                <Descriptions.Item label={t('case.receivedAt')}>{dateTime(complaint.data.receivedAt)}</Descriptions.Item>
                <Descriptions.Item label={t('case.description')}>
                  <span data-testid="complaint-description">{complaint.data.description}</span>
                </Descriptions.Item>
              </Descriptions>
            </Card>
          )}
          <ErrorAlert error={complaint.error} />
          {complaint.data?.regulatorReferral && (
            <RegulatorDeadlineCard
              api={api}
              complaintId={c.complaintId}
              roles={roles}
              done={() => {
                // Triage moves the due date when the new deadline binds, a moment later over Kafka.
                complaint.reload();
                triage.reload();
                found.reload();
              }}
            />
          )}

          <Card title={<h2 className="card-title">{t('case.timeline')}</h2>} style={{ marginBottom: 24 }}>
            {timeline.length ? (
              <Timeline
                items={timeline.map((e, i) => ({
                  key: i,
                  content: (
                    <>
                      <time dateTime={e.at}>{dateTime(e.at)}</time> · {e.what}
                    </>
                  ),
                }))}
              />
            ) : (
              <Empty description={t('common.none')} />
            )}
          </Card>

          {(c.findings || c.proposal) && (
            <Card title={<h2 className="card-title">{t('case.findingsAndResolution')}</h2>} style={{ marginBottom: 24 }}>
              <Descriptions size="small" column={1}>
                {c.findings && (
                  <>
                    <Descriptions.Item label={t('form.facts')}>{c.findings.facts.join('; ')}</Descriptions.Item>
                    <Descriptions.Item label={t('form.liability')}>{label('liability', c.findings.liability)}</Descriptions.Item>
                    <Descriptions.Item label={t('form.rootCause')}>
                      {label('rootCause', c.findings.rootCause.code)} — {c.findings.rootCause.detail}
                    </Descriptions.Item>
                  </>
                )}
                {c.proposal && (
                  <>
                    <Descriptions.Item label={t('form.outcome')}>{label('outcome', c.proposal.outcome)}</Descriptions.Item>
                    <Descriptions.Item label={t('form.explanation')}>{c.proposal.explanation}</Descriptions.Item>
                    <Descriptions.Item label={t('form.actions')}>{c.proposal.actions.map((a) => label('resolutionAction', a)).join(', ')}</Descriptions.Item>
                    <Descriptions.Item label={t('form.remedyType')}>
                      {c.proposal.remedy ? `${label('remedyType', c.proposal.remedy.type)} ${money(c.proposal.remedy)}` : '—'}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('case.proposedBy')}>
                      {c.proposal.proposedBy} {c.proposal.needsApproval ? `(${t('case.needsApproval')})` : ''}
                    </Descriptions.Item>
                  </>
                )}
              </Descriptions>
            </Card>
          )}

          <Card title={<h2 className="card-title">{t('case.tasks')}</h2>} style={{ marginBottom: 24 }}>
            <Table
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={c.tasks}
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('form.taskDepartment'), dataIndex: 'department' },
                { title: t('form.taskRequest'), dataIndex: 'request' },
                { title: t('form.dueBy'), dataIndex: 'dueBy', render: (v: string) => dateTime(v) },
                { title: t('case.status'), dataIndex: 'status', render: (v: string) => label('taskStatus', v) },
                { title: t('form.taskResult'), dataIndex: 'result', render: (v: string | null) => v ?? '—' },
              ]}
            />
          </Card>

          <Card title={<h2 className="card-title">{t('case.evidence')}</h2>} style={{ marginBottom: 24 }}>
            <Table
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={c.evidence}
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('form.evidenceKind'), dataIndex: 'kind', render: (v: string) => label('evidenceKind', v) },
                { title: t('form.sourceSystem'), dataIndex: 'sourceSystem' },
                { title: t('form.reference'), dataIndex: 'reference', render: (v: string | null) => v ?? '—' },
                { title: t('form.description'), dataIndex: 'description' },
                { title: 'SHA-256', dataIndex: 'sha256', render: (v: string) => <code title={v}>{v.slice(0, 12)}…</code> },
                { title: t('case.stored'), dataIndex: 'stored', render: (v: boolean) => (v ? t('common.yes') : t('common.no')) },
                { title: t('case.addedBy'), dataIndex: 'addedBy' },
              ]}
            />
          </Card>

          <Card title={<h2 className="card-title">{t('case.contactsAndNotes')}</h2>} style={{ marginBottom: 24 }}>
            <Typography.Title level={3} style={{ fontSize: 16 }}>
              {t('case.contacts')}
            </Typography.Title>
            <List
              size="small"
              dataSource={c.contacts}
              locale={{ emptyText: t('common.none') }}
              renderItem={(x) => (
                <List.Item>
                  {dateTime(x.at)} · {label('direction', x.direction)} · {label('contactChannel', x.channel)} · {label('contactOutcome', x.outcome)} · {x.loggedBy}: {x.summary}
                </List.Item>
              )}
            />
            <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
              {t('case.notes')}
            </Typography.Title>
            <List
              size="small"
              dataSource={c.notes}
              locale={{ emptyText: t('common.none') }}
              renderItem={(x) => (
                <List.Item>
                  <span data-testid="note">
                    {dateTime(x.at)} · {x.author}: {x.body}
                  </span>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={<h2 className="card-title">{t('case.actions')}</h2>} extra={<Button onClick={found.reload}>{t('common.refresh')}</Button>} style={{ marginBottom: 24 }}>
            {actions.length ? (
              <Collapse items={actions.map((a) => ({ key: a.key, label: t(a.title), children: a.form }))} />
            ) : (
              <Typography.Paragraph>{t('case.noActions')}</Typography.Paragraph>
            )}
          </Card>
          {triage.data && (
            <Card title={<h2 className="card-title">{t('case.triage')}</h2>} style={{ marginBottom: 24 }}>
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={t('case.routingRule')}>{triage.data.routingRule}</Descriptions.Item>
                <Descriptions.Item label={t('case.clock')}>{t('case.clockValue', { state: label('clockState', triage.data.clock.state), period: label('period', triage.data.clock.period), started: dateTime(triage.data.clock.startedAt) })}</Descriptions.Item>
              </Descriptions>
              <ul>
                {triage.data.reasons.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            </Card>
          )}
          {c.extensions.length > 0 && (
            <Card title={<h2 className="card-title">{t('case.extensions')}</h2>}>
              <List
                size="small"
                dataSource={c.extensions}
                renderItem={(x) => (
                  <List.Item>
                    {label('period', x.toPeriod)} · {x.requestedBy} · {x.reason} · <PlainTag>{x.decision ? label('decision', x.decision) : t('case.pending')}</PlainTag>
                  </List.Item>
                )}
              />
            </Card>
          )}
        </Col>
      </Row>
    </>
  );
}

const emptyCase: CaseDetail = {
  id: '',
  complaintId: '',
  ticketNumber: '',
  department: '',
  severity: '',
  category: null,
  status: 'awaiting-assignment',
  regime: '',
  period: null,
  level: 1,
  reviewRound: 1,
  assignedTo: null,
  findings: null,
  proposal: null,
  withdrawnAt: null,
  responseDueBy: new Date(0).toISOString(),
  openedAt: new Date(0).toISOString(),
  respondedAt: null,
  reviewDueBy: null,
  resolution: null,
  updatedAt: new Date(0).toISOString(),
  allowedActions: [],
  transitions: [],
  assignments: [],
  tasks: [],
  evidence: [],
  contacts: [],
  notes: [],
  extensions: [],
};
