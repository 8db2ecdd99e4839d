import { Alert, Button, Card, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { CSSProperties, useState } from 'react';
import { ErrorAlert, Link, saveBlob, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { checkpointLines, dossierNotices, RemedyRow, remedyRows, sealText, timelineMarks } from '../lib/dossier';
import { pathOf } from '../lib/routes';
import type { Dossier } from '../lib/types';
import { useSession } from '../session';
import { PurposeFields, retrievalHeaders, useStatedPurpose } from './retrieval';

/** At least 4.5:1 contrast on their background (WCAG AA), as the deadline tags. */
const MARK_STYLES: Record<'warning' | 'error' | 'ok' | 'neutral', CSSProperties> = {
  warning: { color: '#613400', background: '#fffbe6', borderColor: '#ffd666' },
  error: { color: '#820014', background: '#fff1f0', borderColor: '#ff7875' },
  ok: { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  neutral: { color: '#262626', background: '#fafafa', borderColor: '#bfbfbf' },
};
const REMEDY_STYLES: Record<RemedyRow['status'], CSSProperties> = { stands: MARK_STYLES.ok, withdrawn: MARK_STYLES.neutral, rejected: MARK_STYLES.neutral, reversed: MARK_STYLES.warning };

const fileNameOf = (d: { ticketNumber: string | null; complaintId: string }) => `dossier-${(d.ticketNumber ?? d.complaintId).replace(/[^A-Za-z0-9-]/g, '')}`;

export default function DossierPage({ complaintId }: { complaintId: string }) {
  const words = useI18n();
  const { t, label, dateTime, language } = words;
  const { api } = useSession();
  const [stated, setStated] = useStatedPurpose();
  // The reading goes on the record with its purpose: it happens when the officer asks, not on every change of the form.
  const [asked, setAsked] = useState(0);
  const dossier = useLoad(
    () => api.get<Dossier>('compliance-archive', `/v1/archive/complaints/${complaintId}/dossier`, { headers: retrievalHeaders(stated) }),
    [api, complaintId, asked],
  );
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'json' | 'pdf' | null>(null);
  const d = dossier.data;

  const downloadJson = () => {
    if (d) saveBlob(new Blob([JSON.stringify(d, null, 2)], { type: 'application/json' }), `${fileNameOf(d)}.json`);
  };
  const downloadPdf = async () => {
    setBusy('pdf');
    setDownloadError(null);
    try {
      const pdf = await api.get<Blob>('compliance-archive', `/v1/archive/complaints/${complaintId}/dossier.pdf`, { headers: retrievalHeaders(stated), as: 'blob' });
      saveBlob(pdf, `${fileNameOf(d ?? { ticketNumber: null, complaintId })}.pdf`);
    } catch (e) {
      setDownloadError(e);
    } finally {
      setBusy(null);
    }
  };
  const eventLabel = (l: { zh: string; en: string }) => (language === 'zh-CN' ? l.zh : l.en);
  const marks = d ? timelineMarks(d) : new Map<number, ('not-covered' | 'problem')[]>();

  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Link to={pathOf.compliance()}>{t('dossier.back')}</Link>
      </Space>
      <Typography.Title level={1}>{t('dossier.heading', { ticket: d?.ticketNumber ?? complaintId })}</Typography.Title>
      <PurposeFields stated={stated} onChange={setStated} />
      <Button onClick={() => setAsked((n) => n + 1)} style={{ marginBottom: 16 }}>
        {t('dossier.reload')}
      </Button>
      <ErrorAlert error={dossier.error} />
      {d && (
        <>
          <Card title={<h2 className="card-title">{t('dossier.verification')}</h2>} style={{ marginBottom: 16 }}>
            {dossierNotices(d, words).map((n) => (
              <Alert
                key={n.key}
                data-testid={`dossier-notice-${n.key}`}
                type={n.type}
                showIcon
                role={n.type === 'success' ? 'status' : 'alert'}
                title={n.title}
                description={
                  n.description || n.lines.length ? (
                    <>
                      {n.description && <div>{n.description}</div>}
                      {n.lines.length > 0 && (
                        <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }}>
                          {n.lines.map((line, i) => (
                            <li key={i}>{line}</li>
                          ))}
                        </ul>
                      )}
                    </>
                  ) : undefined
                }
                style={{ marginBottom: 12 }}
              />
            ))}
            <Descriptions bordered size="small" column={1}>
              <Descriptions.Item label={t('dossier.sealed')}>
                <span data-testid="dossier-seal">{sealText(d, words)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('dossier.hash')}>
                <code style={{ wordBreak: 'break-all' }}>{d.dossierHash}</code>
              </Descriptions.Item>
              <Descriptions.Item label={t('dossier.matchesSeal')}>
                {d.dossierHashCovers.matchesSeal === null ? t('dossier.noSealToMatch') : d.dossierHashCovers.matchesSeal ? t('common.yes') : t('common.no')}
              </Descriptions.Item>
              <Descriptions.Item label={t('dossier.checkpoints')}>
                <div data-testid="dossier-checkpoints">
                  {checkpointLines(d, words).map((line, i) => (
                    <div key={i}>{line}</div>
                  ))}
                </div>
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Space style={{ marginBottom: 24 }}>
            <Button type="primary" onClick={downloadJson}>
              {t('dossier.downloadJson')}
            </Button>
            <Button onClick={downloadPdf} loading={busy === 'pdf'}>
              {t('dossier.downloadPdf')}
            </Button>
          </Space>
          <ErrorAlert error={downloadError} />
          <Card title={<h2 className="card-title">{t('dossier.timeline')}</h2>} style={{ marginBottom: 24 }}>
            <Table
              rowKey="seq"
              size="small"
              pagination={false}
              dataSource={d.timeline}
              aria-label={t('dossier.timeline')}
              columns={[
                { title: t('dossier.seq'), dataIndex: 'seq' },
                { title: t('compliance.at'), dataIndex: 'at', render: (v: string) => dateTime(v) },
                {
                  title: t('dossier.event'),
                  dataIndex: 'label',
                  render: (v: { zh: string; en: string }, row: { seq: number }) => (
                    <>
                      {eventLabel(v)}
                      {(marks.get(row.seq) ?? []).map((m) => (
                        <Tag key={m} data-testid={`timeline-${m}-${row.seq}`} style={{ ...MARK_STYLES[m === 'problem' ? 'error' : 'warning'], marginInlineStart: 8 }}>
                          {t(m === 'problem' ? 'dossier.problemMark' : 'dossier.notCoveredMark')}
                        </Tag>
                      ))}
                    </>
                  ),
                },
                { title: t('dossier.producer'), dataIndex: 'producer' },
                { title: t('dossier.summary'), dataIndex: 'summary' },
              ]}
            />
          </Card>
          <Card title={<h2 className="card-title">{t('dossier.decisions')}</h2>} style={{ marginBottom: 24 }}>
            {d.decisions.length ? (
              d.decisions.map((x, i) => (
                <Typography.Paragraph key={i}>
                  {label('outcome', String(x.outcome ?? ''))} — {String(x.explanation ?? '')}
                </Typography.Paragraph>
              ))
            ) : (
              <Typography.Paragraph>{t('common.none')}</Typography.Paragraph>
            )}
          </Card>
          <Card title={<h2 className="card-title">{t('dossier.remedies')}</h2>} style={{ marginBottom: 24 }}>
            <Table<RemedyRow>
              rowKey="key"
              size="small"
              pagination={false}
              dataSource={remedyRows(d, words)}
              aria-label={t('dossier.remedies')}
              data-testid="dossier-remedies"
              locale={{ emptyText: t('common.none') }}
              columns={[
                { title: t('dossier.remedyType'), dataIndex: 'type' },
                { title: t('dossier.remedyAmount'), dataIndex: 'amount' },
                { title: t('dossier.remedyProposed'), dataIndex: 'proposed' },
                {
                  title: t('dossier.remedyStatus'),
                  dataIndex: 'statusText',
                  render: (v: string, row) => (
                    <Tag data-remedy-status={row.status} style={REMEDY_STYLES[row.status]}>
                      {v}
                    </Tag>
                  ),
                },
                { title: t('dossier.remedyDetail'), dataIndex: 'detail', render: (v: string) => v || '—' },
              ]}
            />
          </Card>
          <Card title={<h2 className="card-title">{t('dossier.counts')}</h2>}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('dossier.letters')}>{d.letters.length}</Descriptions.Item>
              <Descriptions.Item label={t('dossier.staffActions')}>{d.staffActions.length}</Descriptions.Item>
              <Descriptions.Item label={t('dossier.attachments')}>{d.evidence.attachments}</Descriptions.Item>
            </Descriptions>
          </Card>
        </>
      )}
    </>
  );
}
