// 审计日志 across the three services: each keeps its own trail (`GET /api/v1/audit`, newest first,
// keyset pages by `next_cursor`); the screen reads a page from each and shows them as one list.
import { fundingApi, indicatorApi, matchingApi, unwrap } from '../../api'
import type { paths } from '../../api/indicator'

export type AuditPage = paths['/api/v1/audit']['get']['responses'][200]['content']['application/json']
export type AuditEvent = AuditPage['items'][number]
export type ServiceKey = 'indicator' | 'matching' | 'funding'

export interface AuditFilters {
  actor: string
  action: string
  object_type: string
  object_id: string
  outcome: '' | 'success' | 'failure'
  /** `datetime-local` values in the browser's time (`2026-12-01T09:30`), '' for no bound. */
  since: string
  until: string
}

export const emptyFilters = (): AuditFilters => ({ actor: '', action: '', object_type: '', object_id: '', outcome: '', since: '', until: '' })

/** The filters as the services' query: empty ones left out, the time bounds as ISO instants. */
export function auditQuery(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {}
  for (const key of ['actor', 'action', 'object_type', 'object_id', 'outcome'] as const) {
    const value = filters[key].trim()
    if (value) query[key] = value
  }
  for (const key of ['since', 'until'] as const) if (filters[key]) query[key] = new Date(filters[key]).toISOString()
  return query
}

export interface AuditSource {
  key: ServiceKey
  label: string
  list(query: Record<string, string>, after: string | null, limit: number): Promise<AuditPage>
}

const pageQuery = (query: Record<string, string>, after: string | null, limit: number) => ({ ...query, limit, ...(after ? { after } : {}) })

export const AUDIT_SOURCES: AuditSource[] = [
  {
    key: 'indicator',
    label: '指标服务',
    list: async (query, after, limit) => unwrap(await indicatorApi.GET('/api/v1/audit', { params: { query: pageQuery(query, after, limit) } })),
  },
  {
    key: 'matching',
    label: '供需对接服务',
    list: async (query, after, limit) => unwrap(await matchingApi.GET('/api/v1/audit', { params: { query: pageQuery(query, after, limit) } })),
  },
  {
    key: 'funding',
    label: '资金兑现服务',
    list: async (query, after, limit) => unwrap(await fundingApi.GET('/api/v1/audit', { params: { query: pageQuery(query, after, limit) } })),
  },
]

export const SERVICE_LABEL: Record<ServiceKey, string> = { indicator: '指标服务', matching: '供需对接服务', funding: '资金兑现服务' }

/** What has been read of one service's trail. */
export interface SourceState {
  key: ServiceKey
  items: AuditEvent[]
  total: number
  /** Where its next page starts; null once everything matching was read. */
  next: string | null
  error: string
}

/** One list, newest first, of what the services sent. An event older than the oldest one read from a
 * service that has more to send is held back: that service's next page may hold newer ones, so only
 * what is certainly in order is shown; the rest comes with 加载更多. */
export function mergeTrails(sources: SourceState[]): { shown: (AuditEvent & { service: string })[]; held: number } {
  const time = (event: AuditEvent) => Date.parse(event.occurred_at)
  let cutoff = -Infinity
  for (const source of sources) {
    if (source.next && source.items.length) cutoff = Math.max(cutoff, time(source.items[source.items.length - 1]))
  }
  // Each row names its source by the screen's key (`funding`; the event itself says `funding-api`).
  const all = sources.flatMap((source) => source.items.map((event) => ({ ...event, service: source.key })))
  all.sort((a, b) => time(b) - time(a) || String(b.id).localeCompare(String(a.id)))
  const shown = all.filter((event) => time(event) >= cutoff)
  return { shown, held: all.length - shown.length }
}

/** `GET /api/v1/exports/audit.xlsx` of one service, with the screen's filters. */
export function exportUrl(service: ServiceKey, filters: AuditFilters): string {
  const query = new URLSearchParams(auditQuery(filters)).toString()
  return `/api/${service}/api/v1/exports/audit.xlsx${query ? `?${query}` : ''}`
}

export const OUTCOME_LABEL: Record<string, { label: string; tag: 'success' | 'danger' }> = {
  success: { label: '成功', tag: 'success' },
  failure: { label: '失败', tag: 'danger' },
}

export const ACTION_LABEL: Record<string, string> = {
  sign_in: '登录',
  sign_in_failed: '登录失败',
  sign_out: '退出',
  data_pull: '数据拉取',
}

/** The changed fields of an event with their values before and after (all fields when nothing is listed). */
export function fieldChanges(event: Pick<AuditEvent, 'before' | 'after' | 'changed'>): { field: string; before: string; after: string; changed: boolean }[] {
  const before = (event.before ?? {}) as Record<string, unknown>
  const after = (event.after ?? {}) as Record<string, unknown>
  const changed = new Set(event.changed ?? [])
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  const show = (value: unknown) => (value === undefined ? '' : value === null ? '—' : typeof value === 'object' ? JSON.stringify(value) : String(value))
  return fields
    .map((field) => ({ field, before: show(before[field]), after: show(after[field]), changed: changed.has(field) }))
    .sort((a, b) => Number(b.changed) - Number(a.changed))
}
