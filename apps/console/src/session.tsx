import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { ApiClient, createApiClient } from './lib/api';
import { Identity, isExpired, readToken } from './lib/token';
import { matchRoute, Route } from './lib/routes';

/** The token lives for the tab only: closing it ends the session, and no other site can read it. */
const TOKEN_KEY = 'console.token';

export interface Session {
  token: string | null;
  identity: Identity | null;
  /** Why the last session ended, for the login page to say. */
  ended: 'expired' | 'refused' | null;
  signIn(token: string): boolean;
  signOut(reason?: 'expired' | 'refused'): void;
  api: ApiClient;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [ended, setEnded] = useState<Session['ended']>(null);
  const identity = useMemo(() => (token ? readToken(token) : null), [token]);

  const signOut = useCallback((reason?: 'expired' | 'refused') => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setEnded(reason ?? null);
  }, []);
  const signIn = useCallback((next: string) => {
    const read = readToken(next);
    if (!read || isExpired(read, new Date())) return false;
    sessionStorage.setItem(TOKEN_KEY, next.trim());
    setToken(next.trim());
    setEnded(null);
    return true;
  }, []);

  useEffect(() => {
    if (!identity?.expiresAt) return;
    const left = identity.expiresAt.getTime() - Date.now();
    const timer = setTimeout(() => signOut('expired'), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [identity, signOut]);

  const api = useMemo(
    () => createApiClient({ fetch: (...args) => fetch(...args), token: () => sessionStorage.getItem(TOKEN_KEY), onUnauthorized: () => signOut('refused') }),
    [signOut],
  );
  const value = useMemo<Session>(() => ({ token, identity, ended, signIn, signOut, api }), [token, identity, ended, signIn, signOut, api]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
};

export function navigate(path: string, options: { replace?: boolean } = {}) {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  return useMemo(() => matchRoute(pathname), [pathname]);
}
