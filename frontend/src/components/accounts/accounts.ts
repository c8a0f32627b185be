// 账号管理 (the security admin, indicator-api's identity feature): the accounts and what may be done
// to them. Accounts are never deleted: they are disabled (with a reason) and enabled again.
import { indicatorApi, unwrap, type IndicatorSchemas } from '../../api'
import type { PageRequest } from '../../composables/useLoader'
import { ROLE_LABEL, type Role } from '../../session'

export type Account = IndicatorSchemas['UserPublic']

export interface AccountFilters {
  role: '' | Role
  /** '' every account, 'true' active ones, 'false' disabled ones. */
  is_active: '' | 'true' | 'false'
  q: string
}

/** The roles an account can be given (`service` is for the services' own calls, not for people). */
export const ACCOUNT_ROLES: Role[] = ['admin', 'township', 'enterprise', 'viewer', 'auditor', 'security_admin']
export const roleLabel = (role: string) => ROLE_LABEL[role as Role] ?? role

export async function listAccounts(filters: AccountFilters, { limit, offset }: PageRequest) {
  const query = {
    limit,
    offset,
    ...(filters.role ? { role: filters.role } : {}),
    ...(filters.is_active ? { is_active: filters.is_active === 'true' } : {}),
    ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
  }
  return unwrap(await indicatorApi.GET('/api/v1/users', { params: { query } }))
}

const path = (username: string) => ({ params: { path: { username } } })

export const accountActions = {
  disable: async (username: string, reason: string) => unwrap(await indicatorApi.POST('/api/v1/users/{username}/disable', { ...path(username), body: { reason } })),
  enable: async (username: string) => unwrap(await indicatorApi.POST('/api/v1/users/{username}/enable', path(username))),
  resetPassword: async (username: string) => unwrap(await indicatorApi.POST('/api/v1/users/{username}/password-reset', path(username))),
  revoke: async (username: string) => unwrap(await indicatorApi.POST('/api/v1/users/{username}/revoke', path(username))),
}

/** The binding an account of a role needs: a township its unit, an enterprise its credit code. */
export function bindingOf(account: Pick<Account, 'role' | 'region_code' | 'credit_code'>): string {
  if (account.role === 'township') return account.region_code ?? '—'
  if (account.role === 'enterprise') return account.credit_code ?? '—'
  return ''
}
