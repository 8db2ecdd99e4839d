import { Alert, Button, Card, Descriptions, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { ErrorAlert, Link, saveBlob, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { pathOf } from '../lib/routes';
import type { Dossier } from '../lib/types';
import { useSession } from '../session';
import { PurposeFields, retrievalHeaders, useStatedPurpose } from './retrieval';

const fileNameOf = (d: { ticketNumber: string | null; complaintId: string }) => `dossier-${(d.ticketNumber ?? d.complaintId).replace(/[^A-Za-z0-9-]/g, '')}`;

export default function DossierPage({ complaintId }: { complaintId: string }) {
  const { t, label, dateTime, language } = useI18n();
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
          <Alert
            type={d.integrity.chainIntact && d.integrity.problems.length === 0 ? 'success' : 'error'}
            showIcon
            role="status"
            title={d.integrity.chainIntact && d.integrity.problems.length === 0 ? t('dossier.intact', { entries: d.integrity.entriesVerified }) : t('dossier.problems', { count: d.integrity.problems.length })}
            style={{ marginBottom: 16 }}
          />
          <Descriptions bordered size="small" column={1} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('dossier.sealed')}>{d.sealed ? t('dossier.sealedAt', { at: dateTime(d.sealed.sealedAt), entries: d.sealed.entries }) : t('dossier.notSealed')}</Descriptions.Item>
            <Descriptions.Item label={t('dossier.hash')}>
              <code style={{ wordBreak: 'break-all' }}>{d.dossierHash}</code>
            </Descriptions.Item>
            <Descriptions.Item label={t('dossier.matchesSeal')}>{d.dossierHashCovers ? (d.dossierHashCovers.matchesSeal ? t('common.yes') : t('common.no')) : '—'}</Descriptions.Item>
          </Descriptions>
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
                { title: t('dossier.event'), dataIndex: 'label', render: (v: { zh: string; en: string }) => eventLabel(v) },
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
          <Card title={<h2 className="card-title">{t('dossier.counts')}</h2>}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('dossier.remedies')}>{d.remedies.length}</Descriptions.Item>
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
