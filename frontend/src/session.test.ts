import { describe, expect, it } from 'vitest'
import { ROLE_LABEL, homeFor, type SessionUser } from './session'

const user = (role: SessionUser['role'], extra: Partial<SessionUser> = {}): SessionUser => ({
  username: role,
  display_name: role,
  role,
  region_code: null,
  credit_code: null,
  ...extra,
})

describe('where an account lands after sign-in', () => {
  it('a supplier on its workbench, the others where they did', () => {
    expect(homeFor(user('supplier', { username: 'hbpu' }))).toBe('/supplier')
    expect(ROLE_LABEL.supplier).toBe('供给方')
    expect(homeFor(user('enterprise', { credit_code: '91420281MA0000001H' }))).toBe('/enterprise')
    expect(homeFor(user('township', { region_code: '420281101' }))).toBe('/township/420281101')
    expect(homeFor(user('supplier', { must_change_password: true }))).toBe('/account/security')
  })
})
