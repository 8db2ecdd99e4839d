/** The console's pages and their addresses; the server answers every one of them with the app. */
export type Route =
  | { page: 'login' }
  | { page: 'queue' }
  | { page: 'case'; caseId: string }
  | { page: 'approvals' }
  | { page: 'dashboard' }
  | { page: 'compliance' }
  | { page: 'dossier'; complaintId: string }
  | { page: 'home' }
  | { page: 'not-found' };

const UUID = '([0-9a-fA-F-]{36})';

export function matchRoute(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'home' };
  if (p === '/login') return { page: 'login' };
  if (p === '/queue') return { page: 'queue' };
  if (p === '/approvals') return { page: 'approvals' };
  if (p === '/dashboard') return { page: 'dashboard' };
  if (p === '/compliance') return { page: 'compliance' };
  let m = new RegExp(`^/cases/${UUID}$`).exec(p);
  if (m) return { page: 'case', caseId: m[1].toLowerCase() };
  m = new RegExp(`^/compliance/dossiers/${UUID}$`).exec(p);
  if (m) return { page: 'dossier', complaintId: m[1].toLowerCase() };
  return { page: 'not-found' };
}

export const pathOf = {
  login: () => '/login',
  queue: () => '/queue',
  case: (caseId: string) => `/cases/${caseId}`,
  approvals: () => '/approvals',
  dashboard: () => '/dashboard',
  compliance: () => '/compliance',
  dossier: (complaintId: string) => `/compliance/dossiers/${complaintId}`,
};
