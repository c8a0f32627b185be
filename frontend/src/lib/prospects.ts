// 培育对象 and 走访记录 (indicator-api's prospects and coaching visits), without Vue or HTTP.
import type { IndicatorSchemas } from '../api'

export type Program = IndicatorSchemas['Program']
export type Stage = IndicatorSchemas['Stage']

export type Shortfall = IndicatorSchemas['Shortfall']
/** An enterprise of the unit that does not hold the qualification yet, ranked by closeness. */
export type Prospect = IndicatorSchemas['Prospect']
/** A coaching visit, with the stage moves of the enterprise's candidate that followed it. */
export type CoachingVisit = IndicatorSchemas['VisitPublic']
export type VisitIn = IndicatorSchemas['VisitIn']
export type StageMove = IndicatorSchemas['StageMove']

/** "差 2 项:研发费用占比(要求 ≥ 4%,现为 3.1%)…": one line per prospect for a narrow cell. */
export function shortfallSummary(prospect: Pick<Prospect, 'met' | 'total' | 'shortfalls'>): string {
  const missing = prospect.total - prospect.met
  if (missing <= 0) return '各项条件均已达标'
  return `${prospect.met} / ${prospect.total} 项达标,差 ${missing} 项`
}

/** A closeness 0–1 as a whole percentage for the progress bar (clamped; none counts as 0). */
export function closenessPercent(closeness: number | null): number {
  return Math.round(Math.min(1, Math.max(0, closeness ?? 0)) * 100)
}

/** The moves that followed a visit, oldest first. */
export function movesAfter(visit: Pick<CoachingVisit, 'moves'>): StageMove[] {
  return [...(visit.moves ?? [])].sort((a, b) => a.on.localeCompare(b.on))
}

/** Checks a visit before it is sent: the Chinese reason per field, empty when it is complete. */
export function visitErrors(visit: VisitIn, today: string): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!visit.visited_on) errors.visited_on = '请选择走访日期'
  else if (visit.visited_on > today) errors.visited_on = '走访日期不能晚于今天'
  if (!visit.visitor.trim()) errors.visitor = '请填写走访人'
  if (!visit.advice.trim()) errors.advice = '请填写辅导建议'
  return errors
}

