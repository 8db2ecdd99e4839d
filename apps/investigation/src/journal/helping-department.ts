import type { EntityManager } from 'typeorm';
import type { Role } from '@complaints/contracts';
import { Principal, ProblemException } from '@complaints/platform';
import type { CaseRecord } from '../cases/case.entity';

/**
 * Department staff read cases; they add to one only where their department has a part in it: the
 * case is their department's, or its investigator asked their department for work (a task, open or
 * done, since evidence often arrives with or after the result). Otherwise a department could put
 * evidence, contact records or notes on any case of the bank. The department is the token's
 * `department` claim; a token without one helps with no case. Roles in `unrestricted` (the other
 * roles the route admits) are not held to a department.
 */
export async function assertDepartmentMayHelp(manager: EntityManager, found: CaseRecord, principal: Principal, unrestricted: readonly Role[]): Promise<void> {
  if (principal.roles.some((r) => unrestricted.includes(r))) return;
  const department = principal.department;
  if (department !== undefined) {
    if (found.department === department) return;
    const [task] = await manager.query(`SELECT 1 FROM case_tasks WHERE case_id = $1 AND department = $2 LIMIT 1`, [found.id, department]);
    if (task) return;
  }
  throw new ProblemException({
    type: 'https://complaints.example/problems/forbidden',
    title: 'Forbidden',
    status: 403,
    detail: department === undefined
      ? 'department staff add to a case only with a department claim in their token'
      : `staff of ${department} add to a case only when it is their department's or has a task for ${department}`,
  });
}
