import { App, Button, Checkbox, Form, Input, Radio, Select, Space, Upload } from 'antd';
import { ReactNode, useState } from 'react';
import { ErrorAlert } from '../components/common';
import { useI18n } from '../i18n/i18n';
import { MessageKey } from '../i18n/messages';
import type { ApiClient } from '../lib/api';
import { parseMajor } from '../lib/money';
import type { CaseDetail } from '../lib/types';
import {
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_OUTCOMES,
  EVIDENCE_KINDS,
  EXTENSION_PERIODS,
  LIABILITIES,
  OUTCOMES,
  REMEDY_TYPES,
  RESOLUTION_ACTIONS,
  type Role,
  ROOT_CAUSE_CODES,
} from '../lib/vocabulary';
import type { LabelGroup } from '../i18n/messages';

export interface ActionContext {
  api: ApiClient;
  found: CaseDetail;
  roles: readonly Role[];
  me: string;
  done(messageKey: MessageKey): void;
}

/** One action form: sends, reports a refusal in place, and tells the page to reload on success. */
export function ActionForm<T extends object>({ name, submitLabel, onSubmit, children, initialValues, done }: {
  name: string;
  submitLabel: MessageKey;
  onSubmit(values: T): Promise<unknown>;
  children: ReactNode;
  initialValues?: Partial<T>;
  done(): void;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<T>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Form<T>
      form={form}
      name={name}
      layout="vertical"
      initialValues={initialValues}
      onFinish={async (values) => {
        setBusy(true);
        setError(null);
        try {
          await onSubmit(values);
          form.resetFields();
          done();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <ErrorAlert error={error} />
      {children}
      <Button type="primary" htmlType="submit" loading={busy}>
        {t(submitLabel)}
      </Button>
    </Form>
  );
}

function useOptions() {
  const { label } = useI18n();
  return (group: LabelGroup, values: readonly string[]) => values.map((v) => ({ value: v, label: label(group, v) }));
}

const has = (roles: readonly Role[], ...wanted: Role[]) => wanted.some((r) => roles.includes(r));

export interface CaseActionItem {
  key: string;
  title: MessageKey;
  form: ReactNode;
}

/** The forms this person may use on this case now: the case's allowed steps and their roles decide. */
export function useCaseActions(ctx: ActionContext): CaseActionItem[] {
  const { t } = useI18n();
  const { message } = App.useApp();
  const options = useOptions();
  const { api, found, roles } = ctx;
  const allowed = (a: string) => found.allowedActions.includes(a);
  const path = (p: string) => `/v1/cases/${found.id}${p}`;
  const required = [{ required: true, message: t('form.required') }];
  const finish = (key: MessageKey) => () => {
    message.success(t(key));
    ctx.done(key);
  };
  const items: CaseActionItem[] = [];

  if (allowed('assign') && has(roles, 'approver', 'triage-officer', 'administrator')) {
    items.push({
      key: 'assign',
      title: 'action.assign',
      form: (
        <ActionForm<{ investigator?: string; reason?: string }> name="assign" submitLabel="action.assign" done={finish('done.assigned')} onSubmit={(v) => api.post('investigation', path('/assignment'), { ...(v.investigator ? { investigator: v.investigator.trim() } : {}), ...(v.reason ? { reason: v.reason } : {}) })}>
          <Form.Item name="investigator" label={t('form.investigator')} extra={t('form.investigatorHelp')}>
            <Input />
          </Form.Item>
          <Form.Item name="reason" label={t('form.reasonOptional')}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('record-findings') && has(roles, 'investigator')) {
    items.push({
      key: 'findings',
      title: 'action.recordFindings',
      form: (
        <ActionForm<{ facts: string; liability: string; rootCauseCode: string; rootCauseDetail: string }>
          name="findings"
          submitLabel="action.recordFindings"
          done={finish('done.findings')}
          initialValues={found.findings ? { facts: found.findings.facts.join('\n'), liability: found.findings.liability, rootCauseCode: found.findings.rootCause.code, rootCauseDetail: found.findings.rootCause.detail } : undefined}
          onSubmit={(v) =>
            api.put('investigation', path('/findings'), {
              facts: v.facts.split('\n').map((f) => f.trim()).filter(Boolean),
              liability: v.liability,
              rootCause: { code: v.rootCauseCode, detail: v.rootCauseDetail },
            })
          }
        >
          <Form.Item name="facts" label={t('form.facts')} extra={t('form.factsHelp')} rules={required}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="liability" label={t('form.liability')} rules={required}>
            <Select options={options('liability', LIABILITIES)} />
          </Form.Item>
          <Form.Item name="rootCauseCode" label={t('form.rootCause')} rules={required}>
            <Select options={options('rootCause', ROOT_CAUSE_CODES)} />
          </Form.Item>
          <Form.Item name="rootCauseDetail" label={t('form.rootCauseDetail')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('propose-resolution') && has(roles, 'investigator')) {
    items.push({
      key: 'resolution',
      title: 'action.proposeResolution',
      form: (
        <ActionForm<{ outcome: string; explanation: string; actions: string[]; remedyType?: string; remedyAmount?: string; currency: string }>
          name="resolution"
          submitLabel="action.proposeResolution"
          done={finish('done.resolution')}
          initialValues={{ currency: 'CNY', actions: ['explanation'] }}
          onSubmit={async (v) => {
            let remedy;
            if (v.remedyType) {
              const amountMinor = parseMajor(v.remedyAmount ?? '', v.currency);
              if (amountMinor === null) throw new Error(t('form.amountInvalid'));
              remedy = { type: v.remedyType, amount: { amountMinor, currency: v.currency } };
            }
            return api.post('investigation', path('/resolution'), { outcome: v.outcome, explanation: v.explanation, actions: v.actions, ...(remedy ? { remedy } : {}) });
          }}
        >
          <Form.Item name="outcome" label={t('form.outcome')} rules={required}>
            <Radio.Group options={options('outcome', OUTCOMES)} />
          </Form.Item>
          <Form.Item name="explanation" label={t('form.explanation')} extra={t('form.explanationHelp')} rules={required}>
            <Input.TextArea rows={4} />
          </Form.Item>
          <Form.Item name="actions" label={t('form.actions')} rules={required}>
            <Checkbox.Group options={options('resolutionAction', RESOLUTION_ACTIONS)} />
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="remedyType" label={t('form.remedyType')}>
              <Select allowClear style={{ minWidth: 200 }} options={options('remedyType', REMEDY_TYPES)} />
            </Form.Item>
            <Form.Item name="remedyAmount" label={t('form.remedyAmount')}>
              <Input inputMode="decimal" />
            </Form.Item>
            <Form.Item name="currency" label={t('form.currency')} rules={[{ required: true, pattern: /^[A-Z]{3}$/, message: t('form.currencyInvalid') }]}>
              <Input maxLength={3} style={{ width: 90 }} />
            </Form.Item>
          </Space>
        </ActionForm>
      ),
    });
  }
  if ((allowed('approve-resolution') || allowed('reject-resolution')) && has(roles, 'approver')) {
    const own = found.proposal?.proposedBy === ctx.me;
    items.push({
      key: 'decide-resolution',
      title: 'action.decideResolution',
      form: (
        <ActionForm<{ decision: 'approve' | 'reject'; reason?: string }>
          name="decide-resolution"
          submitLabel="action.decide"
          done={finish('done.decided')}
          initialValues={{ decision: 'approve' }}
          onSubmit={(v) => api.post('investigation', path('/resolution/decision'), { decision: v.decision, ...(v.reason ? { reason: v.reason } : {}) })}
        >
          {own && <p role="note">{t('approvals.ownProposal')}</p>}
          <Form.Item name="decision" label={t('form.decision')} rules={required}>
            <Radio.Group options={[{ value: 'approve', label: t('form.approve') }, { value: 'reject', label: t('form.reject') }]} />
          </Form.Item>
          <Form.Item name="reason" label={t('form.reasonForRejection')}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('request-task') && has(roles, 'investigator')) {
    items.push({
      key: 'task',
      title: 'action.requestTask',
      form: (
        <ActionForm<{ department: string; owner?: string; request: string; dueBy: string }>
          name="task"
          submitLabel="action.requestTask"
          done={finish('done.task')}
          onSubmit={(v) => api.post('investigation', path('/tasks'), { department: v.department.trim(), request: v.request, dueBy: new Date(v.dueBy).toISOString(), ...(v.owner ? { owner: v.owner.trim() } : {}) })}
        >
          <Form.Item name="department" label={t('form.taskDepartment')} rules={[{ required: true, pattern: /^[a-z][a-z0-9-]{0,59}$/, message: t('form.departmentInvalid') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="owner" label={t('form.ownerOptional')}>
            <Input />
          </Form.Item>
          <Form.Item name="request" label={t('form.taskRequest')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="dueBy" label={t('form.dueBy')} rules={required}>
            <Input type="datetime-local" />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  const openTasks = found.tasks.filter((task) => task.status !== 'done');
  if (allowed('complete-task') && openTasks.length && has(roles, 'investigator', 'department-staff')) {
    items.push({
      key: 'task-result',
      title: 'action.completeTask',
      form: (
        <ActionForm<{ taskId: string; result: string }> name="task-result" submitLabel="action.completeTask" done={finish('done.taskResult')} onSubmit={(v) => api.post('investigation', path(`/tasks/${v.taskId}/result`), { result: v.result })}>
          <Form.Item name="taskId" label={t('form.task')} rules={required}>
            <Select options={openTasks.map((task) => ({ value: task.id, label: `${task.department}: ${task.request.slice(0, 60)}` }))} />
          </Form.Item>
          <Form.Item name="result" label={t('form.taskResult')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('add-evidence') && has(roles, 'investigator', 'department-staff')) {
    items.push({
      key: 'evidence',
      title: 'action.addEvidence',
      form: <EvidenceForm api={api} caseId={found.id} done={finish('done.evidence')} />,
    });
  }
  if (allowed('log-contact') && has(roles, 'investigator', 'department-staff')) {
    items.push({
      key: 'contact',
      title: 'action.logContact',
      form: (
        <ActionForm<{ direction: string; channel: string; outcome: string; summary: string }> name="contact" submitLabel="action.logContact" done={finish('done.contact')} initialValues={{ direction: 'outbound', channel: 'phone' }} onSubmit={(v) => api.post('investigation', path('/contacts'), v)}>
          <Form.Item name="direction" label={t('form.direction')} rules={required}>
            <Radio.Group options={options('direction', CONTACT_DIRECTIONS)} />
          </Form.Item>
          <Form.Item name="channel" label={t('form.contactChannel')} rules={required}>
            <Select options={options('contactChannel', CONTACT_CHANNELS)} />
          </Form.Item>
          <Form.Item name="outcome" label={t('form.contactOutcome')} rules={required}>
            <Select options={options('contactOutcome', CONTACT_OUTCOMES)} />
          </Form.Item>
          <Form.Item name="summary" label={t('form.summary')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('add-note') && has(roles, 'investigator', 'department-staff', 'approver')) {
    items.push({
      key: 'note',
      title: 'action.addNote',
      form: (
        <ActionForm<{ body: string }> name="note" submitLabel="action.addNote" done={finish('done.note')} onSubmit={(v) => api.post('investigation', path('/notes'), v)}>
          <Form.Item name="body" label={t('form.note')} rules={required}>
            <Input.TextArea rows={3} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  const pendingExtension = found.extensions.find((e) => e.decision === null);
  if (allowed('request-extension') && !pendingExtension && has(roles, 'investigator')) {
    items.push({
      key: 'extension',
      title: 'action.requestExtension',
      form: (
        <ActionForm<{ toPeriod: string; reason: string }> name="extension" submitLabel="action.requestExtension" done={finish('done.extensionRequested')} initialValues={{ toPeriod: 'complex' }} onSubmit={(v) => api.post('investigation', path('/extensions'), v)}>
          <Form.Item name="toPeriod" label={t('form.toPeriod')} rules={required}>
            <Select options={options('period', EXTENSION_PERIODS)} />
          </Form.Item>
          <Form.Item name="reason" label={t('form.reason')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('decide-extension') && pendingExtension && has(roles, 'approver')) {
    items.push({
      key: 'decide-extension',
      title: 'action.decideExtension',
      form: (
        <ActionForm<{ decision: 'approve' | 'reject'; reason: string }>
          name="decide-extension"
          submitLabel="action.decide"
          done={finish('done.extensionDecided')}
          initialValues={{ decision: 'approve' }}
          onSubmit={(v) => api.post('investigation', path(`/extensions/${pendingExtension.id}/decision`), v)}
        >
          <p>{t('form.extensionPending', { period: pendingExtension.toPeriod, by: pendingExtension.requestedBy, reason: pendingExtension.reason })}</p>
          <Form.Item name="decision" label={t('form.decision')} rules={required}>
            <Radio.Group options={[{ value: 'approve', label: t('form.approve') }, { value: 'reject', label: t('form.reject') }]} />
          </Form.Item>
          <Form.Item name="reason" label={t('form.reasonToCustomer')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  if (allowed('close') && has(roles, 'investigator', 'approver')) {
    items.push({
      key: 'close',
      title: 'action.close',
      form: (
        <ActionForm<{ reason: string }> name="close" submitLabel="action.close" done={finish('done.closed')} onSubmit={(v) => api.post('investigation', path('/closure'), v)}>
          <Form.Item name="reason" label={t('form.reason')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </ActionForm>
      ),
    });
  }
  return items;
}

function EvidenceForm({ api, caseId, done }: { api: ApiClient; caseId: string; done(): void }) {
  const { t, label } = useI18n();
  const [mode, setMode] = useState<'reference' | 'file'>('reference');
  const [file, setFile] = useState<File | null>(null);
  const required = [{ required: true, message: t('form.required') }];
  return (
    <>
      <Radio.Group
        aria-label={t('form.evidenceMode')}
        value={mode}
        onChange={(e) => setMode(e.target.value)}
        options={[
          { value: 'reference', label: t('form.evidenceByReference') },
          { value: 'file', label: t('form.evidenceUpload') },
        ]}
        style={{ marginBottom: 12 }}
      />
      <ActionForm<{ kind: string; sourceSystem: string; reference?: string; sha256?: string; description: string }>
        name={`evidence-${mode}`}
        submitLabel="action.addEvidence"
        done={done}
        onSubmit={(v) => {
          if (mode === 'reference') return api.post('investigation', `/v1/cases/${caseId}/evidence`, { kind: v.kind, sourceSystem: v.sourceSystem, reference: v.reference, sha256: v.sha256?.toLowerCase(), description: v.description });
          if (!file) throw new Error(t('form.fileMissing'));
          return api.post('investigation', `/v1/cases/${caseId}/evidence/files`, file, { query: { kind: v.kind, sourceSystem: v.sourceSystem, description: v.description, reference: v.reference } });
        }}
      >
        <Form.Item name="kind" label={t('form.evidenceKind')} rules={required}>
          <Select options={EVIDENCE_KINDS.map((k) => ({ value: k, label: label('evidenceKind', k) }))} />
        </Form.Item>
        <Form.Item name="sourceSystem" label={t('form.sourceSystem')} rules={required}>
          <Input />
        </Form.Item>
        <Form.Item name="reference" label={t('form.reference')} rules={mode === 'reference' ? required : undefined}>
          <Input />
        </Form.Item>
        {mode === 'reference' ? (
          <Form.Item name="sha256" label={t('form.sha256')} rules={[{ required: true, pattern: /^[0-9a-fA-F]{64}$/, message: t('form.sha256Invalid') }]}>
            <Input spellCheck={false} />
          </Form.Item>
        ) : (
          <Form.Item label={t('form.file')} required>
            <Upload beforeUpload={(f) => (setFile(f), false)} maxCount={1} onRemove={() => setFile(null)}>
              <Button>{t('form.chooseFile')}</Button>
            </Upload>
          </Form.Item>
        )}
        <Form.Item name="description" label={t('form.description')} rules={required}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </ActionForm>
    </>
  );
}

