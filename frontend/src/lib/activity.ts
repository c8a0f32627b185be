// The sliding idle timeout: while the user works (a click, a key) and at most every `interval`, the
// session's token is traded for a new one (POST /api/v1/auth/refresh), so a session ends only after
// the server's idle timeout without any activity. Nothing is sent while the user is away.

export interface Refresher {
  /** The user did something: refresh when the last refresh is `interval` old (none in flight). */
  touch(): Promise<void>
  /** A token was just issued (sign-in): the next refresh is due `interval` from now. */
  reset(): void
}

export const REFRESH_INTERVAL_MS = 5 * 60 * 1000

export function createRefresher(
  refresh: () => Promise<void>,
  { interval = REFRESH_INTERVAL_MS, now = () => Date.now() }: { interval?: number; now?: () => number } = {},
): Refresher {
  let last = now()
  let inFlight: Promise<void> | null = null
  return {
    touch() {
      if (inFlight) return inFlight
      if (now() - last < interval) return Promise.resolve()
      last = now()
      inFlight = refresh()
        .catch(() => undefined) // a failed refresh is tried again at the next activity after `interval`
        .finally(() => (inFlight = null))
      return inFlight
    },
    reset() {
      last = now()
    },
  }
}

/** Why the login screen opened on its own (`/login?reason=`), in Chinese. */
export const SIGNED_OUT_REASON: Record<string, string> = {
  token_expired: '登录已超时(长时间未操作),请重新登录',
  token_revoked: '登录已被撤销(账号被停用、重置或令牌被收回),请重新登录',
  session_expired: '登录时间已达上限,请重新登录',
  account_disabled: '账号已停用,请联系安全管理员',
  signed_out: '已退出登录',
}
