import { App as AntApp, Button, ConfigProvider, Layout, Select, Space, Spin, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, ReactNode, Suspense, useEffect } from 'react';
import { Link } from './components/common';
import { useI18n } from './i18n/i18n';
import { LANGUAGES, Language, MessageKey } from './i18n/messages';
import { pathOf } from './lib/routes';
import { areasFor, ConsoleArea } from './lib/token';
import { LoginPage } from './pages/LoginPage';
import { navigate, useRoute, useSession } from './session';

const QueuePage = lazy(() => import('./pages/QueuePage'));
const CasePage = lazy(() => import('./pages/CasePage'));
const ApprovalsPage = lazy(() => import('./pages/ApprovalsPage'));
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const CompliancePage = lazy(() => import('./pages/CompliancePage'));
const DossierPage = lazy(() => import('./pages/DossierPage'));

/**
 * Ant Design's default greys and blue fall short of 4.5:1 contrast for body-size text on white;
 * these tokens keep every text colour at WCAG AA.
 */
const THEME = {
  token: {
    colorPrimary: '#0950c3',
    colorLink: '#0950c3',
    colorTextSecondary: 'rgba(0, 0, 0, 0.7)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
    colorError: '#c41d20',
    colorSuccess: '#237804',
    colorWarning: '#ad4e00',
    fontFamily: '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif',
  },
};

const AREA_PATHS: Record<ConsoleArea, { path: string; label: MessageKey }> = {
  queue: { path: pathOf.queue(), label: 'nav.queue' },
  approvals: { path: pathOf.approvals(), label: 'nav.approvals' },
  dashboard: { path: pathOf.dashboard(), label: 'nav.dashboard' },
  compliance: { path: pathOf.compliance(), label: 'nav.compliance' },
};

function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <Select<Language>
      aria-label={t('nav.language')}
      value={language}
      onChange={setLanguage}
      style={{ width: 120 }}
      options={LANGUAGES.map((l) => ({ value: l, label: l === 'zh-CN' ? '简体中文' : 'English' }))}
    />
  );
}

export function App() {
  const { language, t } = useI18n();
  const session = useSession();
  const route = useRoute();
  const areas = session.identity ? areasFor(session.identity.roles) : [];

  useEffect(() => {
    if (!session.identity && route.page !== 'login') navigate(pathOf.login(), { replace: true });
    else if (session.identity && (route.page === 'login' || route.page === 'home')) navigate(areas.length ? AREA_PATHS[areas[0]].path : pathOf.login(), { replace: true });
  }, [session.identity, route.page, areas]);

  let page: ReactNode;
  switch (route.page) {
    case 'login':
      page = <LoginPage />;
      break;
    case 'queue':
      page = <QueuePage />;
      break;
    case 'case':
      page = <CasePage caseId={route.caseId} />;
      break;
    case 'approvals':
      page = <ApprovalsPage />;
      break;
    case 'dashboard':
      page = <DashboardPage />;
      break;
    case 'compliance':
      page = <CompliancePage />;
      break;
    case 'dossier':
      page = <DossierPage complaintId={route.complaintId} />;
      break;
    case 'home':
      page = null;
      break;
    default:
      page = <Typography.Title level={1}>{t('page.notFound')}</Typography.Title>;
  }
  const signedIn = session.identity && route.page !== 'login';

  return (
    // No space forced between two Chinese characters on buttons: the label reads as the message table says.
    <ConfigProvider locale={language === 'zh-CN' ? zhCN : enUS} theme={THEME} button={{ autoInsertSpace: false }}>
      <AntApp>
        <a className="skip-link" href="#main">
          {t('nav.skipToContent')}
        </a>
        <Layout style={{ minHeight: '100vh' }}>
          <Layout.Header className="console-header">
            <span className="console-brand">{t('app.title')}</span>
            {signedIn && (
              <nav aria-label={t('nav.main')} className="console-nav">
                <ul>
                  {areas.map((a) => (
                    <li key={a}>
                      <Link to={AREA_PATHS[a].path} aria-current={route.page === a ? 'page' : undefined}>
                        {t(AREA_PATHS[a].label)}
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            <Space className="console-user">
              <LanguageSwitch />
              {signedIn && session.identity && (
                <>
                  <span data-testid="signed-in-as">{t('nav.signedInAs', { subject: session.identity.subject, roles: session.identity.roles.join(', ') })}</span>
                  <Button onClick={() => session.signOut()}>{t('nav.signOut')}</Button>
                </>
              )}
            </Space>
          </Layout.Header>
          <Layout.Content id="main" tabIndex={-1} className="console-main">
            <Suspense fallback={<Spin aria-label={t('common.loading')} />}>{page}</Suspense>
          </Layout.Content>
        </Layout>
      </AntApp>
    </ConfigProvider>
  );
}
