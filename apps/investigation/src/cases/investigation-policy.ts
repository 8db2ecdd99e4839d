import {
  approvalMatrixFrom,
  approverLimitMinor,
  DEFAULT_ESCALATION_ROUTES,
  DEFAULT_RESOLUTION_APPROVAL_POLICY,
  DeadlineRegime,
  EscalationRoute,
  PayableRemedies,
  RegimeId,
  remedyCatalogueFrom,
  ResolutionApprovalPolicy,
  resolutionApprovalPolicyFrom,
} from '@complaints/domain';
import { deadlineRegimesFromEnv, Principal } from '@complaints/platform';

export const INVESTIGATION_POLICY = Symbol('INVESTIGATION_POLICY');

function jsonSetting(env: NodeJS.ProcessEnv, name: string): unknown {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be JSON`);
  }
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] || fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/**
 * The bank's own figures for the case work: who must approve what, where escalated and reviewed
 * cases go, what the final response tells the customer about their rights. All configuration,
 * read once at start so a bad value stops the service instead of a case.
 */
export class InvestigationPolicy {
  constructor(
    readonly regimes: Readonly<Record<RegimeId, DeadlineRegime>>,
    readonly approval: ResolutionApprovalPolicy,
    readonly escalationRoutes: Readonly<Record<RegimeId, readonly EscalationRoute[]>>,
    /** The department that decides at each level above the first (escalations and 核查 reviews). */
    readonly levelDepartments: Readonly<Record<string, string>>,
    /** Approvers of this department count as senior management (cn-cbirc: extension to 60 days). */
    readonly seniorDepartment: string,
    readonly taskReminderLeadMs: number,
    /**
     * The remedy catalogue and approval matrix, from the same variables compensation reads
     * (`REMEDY_CATALOGUE`, `REMEDY_APPROVAL_MATRIX`): the two services must be given the same values.
     */
    readonly payable: PayableRemedies,
  ) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): InvestigationPolicy {
    const approvalJson = jsonSetting(env, 'RESOLUTION_APPROVAL_POLICY');
    const routesJson = jsonSetting(env, 'ESCALATION_ROUTES') as Record<string, EscalationRoute[]> | undefined;
    const routes: Record<string, readonly EscalationRoute[]> = { ...DEFAULT_ESCALATION_ROUTES };
    for (const [id, list] of Object.entries(routesJson ?? {})) {
      if (!Object.hasOwn(DEFAULT_ESCALATION_ROUTES, id)) throw new Error(`ESCALATION_ROUTES: unknown regime ${id}`);
      if (!Array.isArray(list) || list.some((r) => !r || typeof r.body !== 'string' || typeof r.contact !== 'string')) {
        throw new Error(`ESCALATION_ROUTES.${id} must be a list of { body, contact, within }`);
      }
      routes[id] = list.map((r) => ({ body: r.body, contact: r.contact, within: r.within ?? null }));
    }
    const levels = (jsonSetting(env, 'CASE_LEVEL_DEPARTMENTS') as Record<string, string> | undefined) ?? { '2': 'complaint-review', '3': 'senior-management' };
    if (typeof levels !== 'object' || levels === null || Array.isArray(levels)) throw new Error('CASE_LEVEL_DEPARTMENTS maps levels 2..9 to department names (a JSON object)');
    for (const [level, department] of Object.entries(levels)) {
      if (!/^[2-9]$/.test(level) || typeof department !== 'string' || !department) throw new Error('CASE_LEVEL_DEPARTMENTS maps levels 2..9 to department names');
    }
    return new InvestigationPolicy(
      deadlineRegimesFromEnv(env),
      approvalJson === undefined ? DEFAULT_RESOLUTION_APPROVAL_POLICY : resolutionApprovalPolicyFrom(approvalJson),
      routes as Record<RegimeId, readonly EscalationRoute[]>,
      levels,
      env.SENIOR_DEPARTMENT ?? 'senior-management',
      positive(env, 'TASK_REMINDER_LEAD_HOURS', 24) * 3_600_000,
      { catalogue: remedyCatalogueFrom(env.REMEDY_CATALOGUE), matrix: approvalMatrixFrom(env.REMEDY_APPROVAL_MATRIX) },
    );
  }

  /**
   * What an approver may approve in each currency, by the rule compensation applies to the same
   * token (`approverLimitMinor`): the approval matrix's limit for their roles in that currency,
   * lowered by the token's `approvalLimitMinor`. The claim names no currency, so it only ever
   * lowers a limit the matrix states in the remedy's currency; without the claim, no money.
   */
  approvalLimitsOf(principal: Pick<Principal, 'subject' | 'roles' | 'approvalLimitMinor'>): Record<string, number> {
    const approver = { subject: principal.subject, roles: principal.roles, limitMinor: principal.approvalLimitMinor ?? 0 };
    const limits: Record<string, number> = {};
    for (const currency of Object.keys(this.payable.matrix)) {
      const limit = approverLimitMinor(this.payable.matrix, currency, approver);
      if (limit !== null) limits[currency] = limit;
    }
    return limits;
  }

  /** The department that handles a case at `level`: the routed one at level 1. */
  departmentAt(level: number, routedDepartment: string): string {
    return level <= 1 ? routedDepartment : (this.levelDepartments[String(level)] ?? routedDepartment);
  }
}
