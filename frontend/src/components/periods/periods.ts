// 期间管理 (indicator-api's periods feature): months and quarters are closed once their figures are
// final (writes into them are refused with 409 period_closed); a reopened one closes again by itself.
import { indicatorApi, unwrap } from '../../api'
import type { paths } from '../../api/indicator'

export type Period = paths['/api/v1/periods']['get']['responses'][200]['content']['application/json']['items'][number]

export const PERIOD_STATUS: Record<string, { label: string; tag: 'success' | 'info' | 'warning' }> = {
  open: { label: '未关闭', tag: 'success' },
  closed: { label: '已关闭', tag: 'info' },
  reopened: { label: '已重开', tag: 'warning' },
}

export async function listPeriods(year: number) {
  return unwrap(await indicatorApi.GET('/api/v1/periods', { params: { query: { year } } })).items
}
export async function closePeriod(key: string) {
  return unwrap(await indicatorApi.POST('/api/v1/periods/{key}/close', { params: { path: { key } } }))
}
export async function reopenPeriod(key: string, reason: string) {
  return unwrap(await indicatorApi.POST('/api/v1/periods/{key}/reopen', { params: { path: { key } }, body: { reason } }))
}

/** A quarter's key (`2025-Q3`) as year and quarter; undefined for a month. */
export function quarterOfKey(key: string): { year: number; quarter: number } | undefined {
  const match = /^(\d{4})-Q([1-4])$/.exec(key)
  return match ? { year: Number(match[1]), quarter: Number(match[2]) } : undefined
}

export async function reportDifferences(year: number, quarter: number) {
  return unwrap(await indicatorApi.GET('/api/v1/reports/quarterly/differences', { params: { query: { year, quarter } } })).items
}
