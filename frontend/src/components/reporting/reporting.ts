// 报送审核 (indicator-api's reporting feature): how completely and how timely the townships report
// (the completeness of a month or quarter, the overdue reports) and the review of what they submit.
import { indicatorApi, unwrap } from '../../api'
import type { paths } from '../../api/indicator'

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T : never

export type Completeness = Json<'/api/v1/reporting/completeness', 'get'>
export type CompletenessRow = Completeness['items'][number]
export type Submission = Json<'/api/v1/reporting/submissions', 'get'>['items'][number]
export type SubmissionStatus = 'submitted' | 'accepted' | 'returned'

export interface ReportingPeriod {
  year: number
  period_type: 'month' | 'quarter'
  period: number
}

export async function loadCompleteness(period: ReportingPeriod, regionCode?: string): Promise<Completeness> {
  const query = { ...period, ...(regionCode ? { region_code: regionCode } : {}) }
  return unwrap(await indicatorApi.GET('/api/v1/reporting/completeness', { params: { query } }))
}

export async function loadOverdue() {
  return unwrap(await indicatorApi.GET('/api/v1/reporting/overdue')).items
}

export async function listSubmissions(status: SubmissionStatus, regionCode?: string) {
  const query = { status, ...(regionCode ? { region_code: regionCode } : {}) }
  return unwrap(await indicatorApi.GET('/api/v1/reporting/submissions', { params: { query } }))
}

/** A township's corrected figure for a returned submission: recorded again, it waits for review anew. */
export async function resubmit(submission: Submission, value: string) {
  const { indicator_code: code, region_code, year, period_type, period } = submission
  const when = period_type === 'quarter' ? { quarter: period } : { month: period }
  const body = { region_code, year, ...when, value, provenance: 'administrative' as const, note: '按退回意见更正后重报' }
  return unwrap(await indicatorApi.POST('/api/v1/indicators/{code}/values', { params: { path: { code } }, body }))
}

export async function acceptSubmission(id: number) {
  return unwrap(await indicatorApi.POST('/api/v1/reporting/submissions/{submission_id}/accept', { params: { path: { submission_id: id } } }))
}

export async function returnSubmission(id: number, reason: string) {
  return unwrap(
    await indicatorApi.POST('/api/v1/reporting/submissions/{submission_id}/return', { params: { path: { submission_id: id } }, body: { reason } }),
  )
}

/** The month whose reports are the latest due on `asOf` (`2025-09-15` → 2025-08): a month is reported
 * in the month after it. */
export function reportedMonth(asOf: string): ReportingPeriod {
  const [year, month] = asOf.split('-').map(Number)
  return month === 1 ? { year: year - 1, period_type: 'month', period: 12 } : { year, period_type: 'month', period: month - 1 }
}

/** `2025年8月` / `2025年第3季度`. */
export function periodLabel(p: { year: number; period_type: string; period: number }): string {
  return p.period_type === 'quarter' ? `${p.year}年第${p.period}季度` : `${p.year}年${p.period}月`
}

export const SUBMISSION_STATUS: Record<string, { label: string; tag: 'warning' | 'success' | 'danger' | 'info' }> = {
  submitted: { label: '待审核', tag: 'warning' },
  accepted: { label: '已通过', tag: 'success' },
  returned: { label: '已退回', tag: 'danger' },
}
