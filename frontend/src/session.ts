import { reactive } from 'vue'

export type Role = 'admin' | 'township' | 'enterprise' | 'viewer' | 'service'

export interface SessionUser {
  username: string
  display_name: string
  role: Role
  region_code: string | null
  credit_code: string | null
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

export function signIn(token: string, user: SessionUser) {
  session.token = token
  session.user = user
  sessionStorage.setItem(KEY, JSON.stringify({ token, user }))
}

export function signOut() {
  session.token = null
  session.user = null
  sessionStorage.removeItem(KEY)
}

/** The screen a role lands on after login. */
export function homeFor(user: SessionUser | null): string {
  switch (user?.role) {
    case 'admin':
    case 'viewer':
      return '/dashboard'
    case 'township':
      return `/township/${user.region_code}`
    case 'enterprise':
      return '/enterprise'
    default:
      return '/login'
  }
}

export const ROLE_LABEL: Record<Role, string> = {
  admin: '科技局',
  viewer: '只读',
  township: '乡镇(街道)',
  enterprise: '企业',
  service: '服务',
}
