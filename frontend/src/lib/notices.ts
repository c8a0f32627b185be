// The notification centre's rules, without Vue or HTTP: each service's notifications as one kind of
// notice, the three merged newest first, what a notice links to.
import type { FundingSchemas, IndicatorSchemas, MatchingSchemas } from '../api'

export type NoticeService = 'indicator' | 'matching' | 'funding'

/** Each service's name on the screen, in the order the centre lists their failures. */
export const NOTICE_SERVICES: { key: NoticeService; label: string }[] = [
  { key: 'indicator', label: '指标服务' },
  { key: 'matching', label: '供需对接服务' },
  { key: 'funding', label: '资金兑现服务' },
]

export interface NoticeLink {
  /** A route of the front end (the router decides whether the caller may open it). */
  path: string
  label: string
}

export interface Notice {
  service: NoticeService
  id: number
  /** Unique across the three services (their ids overlap). */
  key: string
  kind: string
  title: string
  body: string
  createdAt: string
  readAt: string | null
  link: NoticeLink | null
}

type Raw = {
  indicator: IndicatorSchemas['NotificationPublic']
  matching: MatchingSchemas['NotificationPublic']
  funding: FundingSchemas['NotificationPublic']
}

/** The screen a notification is about, where the front end has one. */
export function linkOf<S extends NoticeService>(service: S, raw: Raw[S]): NoticeLink | null {
  if (service === 'funding') {
    const award = (raw as Raw['funding']).award_id
    return award ? { path: `/finance?award=${award}`, label: `查看奖补 #${award}` } : null
  }
  if (service === 'matching') {
    const demand = (raw as Raw['matching']).demand_id
    return demand ? { path: `/enterprise?demand=${demand}`, label: `查看需求 #${demand}` } : null
  }
  // An enterprise told it newly qualifies for a policy opens what it can get.
  if (raw.kind === 'policy_newly_eligible') return { path: '/enterprise/policies', label: '查看我能享受的政策' }
  const region = (raw as Raw['indicator']).region_code
  return region ? { path: `/township/${region}`, label: '查看培育库' } : null
}

/** One service's notification as a notice of the centre. */
export function toNotice<S extends NoticeService>(service: S, raw: Raw[S]): Notice {
  return {
    service,
    id: raw.id,
    key: `${service}:${raw.id}`,
    kind: raw.kind,
    title: raw.title,
    body: raw.body,
    createdAt: raw.created_at,
    readAt: raw.read_at,
    link: linkOf(service, raw),
  }
}

/**
 * The notices of every service in one list, newest first. Instants are compared as instants (the
 * services may write different offsets); equal instants keep a fixed order (service, then the
 * higher id first), so a refresh does not reshuffle the list.
 */
export function mergeNotices(lists: Notice[][]): Notice[] {
  const order = (service: NoticeService) => NOTICE_SERVICES.findIndex((s) => s.key === service)
  return lists.flat().sort((a, b) => {
    const time = Date.parse(b.createdAt) - Date.parse(a.createdAt)
    if (time) return time
    return order(a.service) - order(b.service) || b.id - a.id
  })
}

/** The unread notices of the services that answered: each service's own count (it counts them all,
 * not only the page the centre holds); a service that failed counts nothing. */
export function unreadTotal(counts: Partial<Record<NoticeService, number | undefined>>): number {
  return Object.values(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0)
}

/** How long ago, in Chinese: 刚刚, 12 分钟前, 3 小时前, 2 天前. */
export function ago(instant: string, now: Date = new Date()): string {
  const minutes = Math.floor((now.getTime() - Date.parse(instant)) / 60000)
  if (minutes < 1) return '刚刚'
  if (minutes < 60) return `${minutes} 分钟前`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} 小时前`
  return `${Math.floor(hours / 24)} 天前`
}
