import { Alert, Tag } from 'antd';
import { AnchorHTMLAttributes, DependencyList, MouseEvent, ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../lib/api';
import { Deadline, splitDuration } from '../lib/deadline';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../session';

/** An ordinary link that changes the page without reloading the app (and still opens in a new tab). */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

export function ErrorAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const d = describeError(error);
  return <Alert type="error" showIcon role="alert" title={t(d.key, 'values' in d ? d.values : undefined)} closable={onClose ? { onClose } : undefined} style={{ marginBottom: 16 }} />;
}

/** Colours chosen for at least 4.5:1 contrast on their background (WCAG AA), unlike the preset tag colours. */
const DEADLINE_STYLES: Record<Deadline['state'], { color: string; background: string; borderColor: string }> = {
  'on-track': { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  warning: { color: '#613400', background: '#fffbe6', borderColor: '#ffd666' },
  breached: { color: '#820014', background: '#fff1f0', borderColor: '#ff7875' },
  paused: { color: '#10239e', background: '#f0f5ff', borderColor: '#85a5ff' },
  met: { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  late: { color: '#820014', background: '#fff1f0', borderColor: '#ff7875' },
  stopped: { color: '#262626', background: '#fafafa', borderColor: '#bfbfbf' },
};

export function DeadlineTag({ deadline }: { deadline: Deadline }) {
  const { t, label } = useI18n();
  const { overdue, days, hours } = splitDuration(deadline.remainingMs);
  const open = ['on-track', 'warning', 'breached', 'paused'].includes(deadline.state);
  const left = open ? t(overdue ? 'deadline.overdueBy' : 'deadline.left', { days, hours }) : null;
  return (
    <span data-deadline={deadline.state}>
      <Tag style={DEADLINE_STYLES[deadline.state]}>{label('deadline', deadline.state)}</Tag>
      {left && <span>{left}</span>}
    </span>
  );
}

/** Neutral tag with readable contrast, for states and codes. */
/** A particular that needs attention (a vulnerable customer, a regulator's deadline): the preset orange tag falls short of 4.5:1. */
export const ATTENTION_TAG_STYLE = { color: '#613400', background: '#fff7e6', borderColor: '#ffc069', whiteSpace: 'normal' } as const;

export function PlainTag({ children }: { children: ReactNode }) {
  return <Tag style={{ color: '#262626', background: '#fafafa', borderColor: '#bfbfbf' }}>{children}</Tag>;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads once per change of `deps`; a later answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({ error: null, loading: true });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error) => mine === generation.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Saves a Blob under a file name through the browser's download. */
export function saveBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
