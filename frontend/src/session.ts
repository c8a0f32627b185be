import { reactive } from 'vue'

export type Role = 'admin' | 'township' | 'enterprise' | 'supplier' | 'viewer' | 'service' | 'auditor' | 'security_admin'

export interface SessionUser {
  username: string
  display_name: string
  role: Role
  region_code: string | null
  credit_code: string | null
  /** The account signs in with a password the security admin set: it changes it before anything else. */
  must_change_password?: boolean
  totp_enabled?: boolean
}

const KEY = 'daye.session'

function load(): { token: string | null; user: SessionUser | null } {
  try {
    const raw = sessionStorage.getItem(KEY)
    if (raw) return JSON.parse(raw)
  } catch {
    /* storage unavailable */
  }
  return { token: null, user: null }
}

export const session = reactive(load())

function save() {
  sessionStorage.setItem(KEY, JSON.stringify({ token: session.token, user: session.user }))
}

export function signIn(token: string, user: SessionUser) {
  session.token = token
  session.user = user
  save()
}

/** A new token for the same session (the sliding idle timeout's refresh). */
export function replaceToken(token: string) {
  if (!session.user) return
  session.token = token
  save()
}

/** The password was changed: the screens open again. */
export function passwordChanged() {
  if (!session.user) return
  session.user = { ...session.user, must_change_password: false }
  save()
}

/** A service refused a call until the password is changed. */
export function mustChangePassword() {
  if (!session.user) return
  session.user = { ...session.user, must_change_password: true }
  save()
}

export function totpEnabled() {
  if (!session.user) return
  session.user = { ...session.user, totp_enabled: true }
  save()
}

export function signOut() {
  session.token = null
  session.user = null
  sessionStorage.removeItem(KEY)
}

export const SECURITY_PATH = '/account/security'

/** The screen a role lands on after login. */
export function homeFor(user: SessionUser | null): string {
  if (user?.must_change_password) return SECURITY_PATH
  switch (user?.role) {
    case 'admin':
    case 'viewer':
      return '/dashboard'
    case 'township':
      return `/township/${user.region_code}`
    case 'enterprise':
      return '/enterprise'
    case 'supplier':
      return '/supplier'
    case 'auditor':
      return '/audit'
    case 'security_admin':
      return '/accounts'
    default:
      return '/login'
  }
}

export const ROLE_LABEL: Record<Role, string> = {
  admin: '科技局',
  viewer: '只读',
  township: '乡镇(街道)',
  enterprise: '企业',
  supplier: '供给方',
  service: '服务',
  auditor: '审计员',
  security_admin: '安全管理员',
}
