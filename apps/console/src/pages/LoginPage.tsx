import { Alert, Button, Card, Col, Form, Input, InputNumber, Radio, Row, Typography } from 'antd';
import { useState } from 'react';
import { ErrorAlert, useLoad } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { ApiError, problemOf } from '../lib/api';
import { useSession } from '../session';

interface ConsoleConfig {
  devLogin: boolean;
  devLoginRoles: string[];
}

async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json');
  if (!res.ok) throw new ApiError(res.status, 'console', '/config.json', await problemOf(res), `HTTP ${res.status}`);
  return res.json();
}

/** Roles that approve money: their token states how much (without the claim they approve none). */
const APPROVING_ROLES = ['approver', 'compliance-officer'];

function DevLogin({ roles }: { roles: string[] }) {
  const { t, label } = useI18n();
  const { signIn } = useSession();
  const [form] = Form.useForm<{ role: string; subject: string; approvalLimit?: number }>();
  const role = Form.useWatch('role', form);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (values: { role: string; subject: string; approvalLimit?: number }) => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/dev/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          role: values.role,
          subject: values.subject,
          ...(APPROVING_ROLES.includes(values.role) && values.approvalLimit !== undefined && values.approvalLimit !== null ? { approvalLimitMinor: Math.round(values.approvalLimit * 100) } : {}),
        }),
      });
      if (!res.ok) throw new ApiError(res.status, 'console', '/dev/token', await problemOf(res), `HTTP ${res.status}`);
      const { token } = (await res.json()) as { token: string };
      if (!signIn(token)) throw new Error(t('login.tokenUnreadable'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{t('login.devTitle')}</h2>}>
      <Typography.Paragraph>{t('login.devIntro')}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ role: 'investigator', subject: 'investigator-dev', approvalLimit: 50_000 }}
        onValuesChange={(changed) => {
          if (changed.role) form.setFieldValue('subject', `${changed.role}-dev`);
        }}
      >
        <Form.Item name="role" label={t('login.role')} rules={[{ required: true, message: t('form.required') }]}>
          <Radio.Group aria-label={t('login.role')}>
            {roles.map((r) => (
              <Radio key={r} value={r} style={{ display: 'flex', marginBottom: 4 }}>
                {label('role', r)}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item name="subject" label={t('login.subject')} extra={t('login.subjectHelp')} rules={[{ required: true, pattern: /^[A-Za-z0-9._@-]{1,200}$/, message: t('login.subjectInvalid') }]}>
          <Input autoComplete="username" />
        </Form.Item>
        {APPROVING_ROLES.includes(role) && (
          <Form.Item name="approvalLimit" label={t('login.approvalLimit')} extra={t('login.approvalLimitHelp')}>
            <InputNumber min={0} step={1000} style={{ width: '100%' }} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('login.devSubmit')}
        </Button>
      </Form>
    </Card>
  );
}

function TokenLogin() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [refused, setRefused] = useState(false);
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{t('login.tokenTitle')}</h2>}>
      <Typography.Paragraph>{t('login.tokenIntro')}</Typography.Paragraph>
      {refused && <Alert type="error" showIcon role="alert" title={t('login.tokenUnreadable')} style={{ marginBottom: 16 }} />}
      <Form layout="vertical" onFinish={(v: { token: string }) => setRefused(!signIn(v.token))}>
        <Form.Item name="token" label={t('login.token')} rules={[{ required: true, message: t('form.required') }]}>
          <Input.TextArea rows={4} autoComplete="off" spellCheck={false} />
        </Form.Item>
        <Button htmlType="submit">{t('login.tokenSubmit')}</Button>
      </Form>
    </Card>
  );
}

export function LoginPage() {
  const { t } = useI18n();
  const { ended } = useSession();
  const config = useLoad(loadConfig, []);
  return (
    <div style={{ maxWidth: 960, margin: '0 auto' }}>
      <Typography.Title level={1}>{t('login.title')}</Typography.Title>
      {ended && <Alert type="warning" showIcon role="status" title={t(ended === 'expired' ? 'login.expired' : 'login.refused')} style={{ marginBottom: 16 }} />}
      <ErrorAlert error={config.error} />
      <Row gutter={[24, 24]}>
        {config.data?.devLogin && (
          <Col xs={24} md={12}>
            <DevLogin roles={config.data.devLoginRoles} />
          </Col>
        )}
        <Col xs={24} md={config.data?.devLogin ? 12 : 24}>
          <TokenLogin />
        </Col>
      </Row>
    </div>
  );
}
