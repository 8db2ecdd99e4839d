import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { PERSONAL_DATA_ROLES, Role, STAFF_ROLES } from '@complaints/contracts';

/** The verified caller of a request. */
export interface Principal {
  /** The token's `sub`: a staff id, a customer id or a channel adapter's client id. */
  subject: string;
  roles: Role[];
  /** For channel adapters: the one channel they may file for. */
  channel?: string;
  /** For approvers: the largest remedy (minor units) they may approve alone. */
  approvalLimitMinor?: number;
  department?: string;
  tokenId?: string;
}

export type AuthenticatedRequest = Request & { principal?: Principal };

export const seesPersonalData = (principal: Principal | undefined): boolean =>
  !!principal && principal.roles.some((r) => PERSONAL_DATA_ROLES.includes(r));

export const isStaff = (principal: Principal | undefined): boolean =>
  !!principal && principal.roles.some((r) => STAFF_ROLES.includes(r));

/** The verified caller; only on routes that require a token. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route that does not require a token');
  return principal;
});
