// When a figure another service publishes to indicator-api was last brought up to date, and whether
// that is too long ago. Pure functions, for the dashboard's cards.
import type { IndicatorSchemas } from '../api'

/** How often matching-api and funding-api publish their figures to indicator-api (their duties run hourly). */
export const PUBLICATION_INTERVAL_MS = 60 * 60 * 1000

export type PublicationStamp = IndicatorSchemas['PublicationStamp']
type Progress = IndicatorSchemas['ProgressPublic']

/** A published figure older than the publication interval has missed at least one publication. */
export function isStale(stamp: Pick<PublicationStamp, 'published_at'>, now: Date = new Date(), interval = PUBLICATION_INTERVAL_MS): boolean {
  return now.getTime() - Date.parse(stamp.published_at) > interval
}

/**
 * A card's stamp: its own, or for a ratio of two published figures (the match rate, of matched over
 * posted) the older of theirs, since the rate is only as recent as its staler part.
 */
export function stampOf(item: Progress, items: Progress[]): PublicationStamp | null {
  if (item.published) return item.published
  const { numerator_code: numerator, denominator_code: denominator } = item.indicator
  if (!numerator || !denominator) return null
  const parts = [numerator, denominator].map((code) => items.find((other) => other.indicator.code === code)?.published)
  if (parts.some((part) => !part)) return null
  return (parts as PublicationStamp[]).reduce((older, part) => (Date.parse(part.published_at) < Date.parse(older.published_at) ? part : older))
}

/** An instant as the browser's local date and time, `2025-10-01 09:00`. */
export function localTime(instant: string): string {
  const d = new Date(instant)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}
