import { describe, expect, it } from 'vitest'
import type { IndicatorSchemas } from '../api'
import { isStale, stampOf, type PublicationStamp } from './published'

type Progress = IndicatorSchemas['ProgressPublic']

const stamp = (published_at: string, source = 'matching-api'): PublicationStamp => ({ source, year: 2025, month: 9, published_at, received_at: published_at })
const item = (code: string, published: PublicationStamp | null, ratio?: [string, string]): Progress =>
  ({ indicator: { code, numerator_code: ratio?.[0] ?? null, denominator_code: ratio?.[1] ?? null }, published }) as unknown as Progress

describe('a published figure goes stale after the publication interval (an hour)', () => {
  const now = new Date('2025-10-01T12:00:00Z')
  it('is fresh up to an hour, stale past it', () => {
    expect(isStale(stamp('2025-10-01T11:30:00Z'), now)).toBe(false)
    expect(isStale(stamp('2025-10-01T11:00:00Z'), now)).toBe(false)
    expect(isStale(stamp('2025-10-01T10:59:59Z'), now)).toBe(true)
    expect(isStale(stamp('2025-09-30T12:00:00Z'), now)).toBe(true)
  })
  it('compares instants, whatever offset they were written with', () => {
    expect(isStale(stamp('2025-10-01T19:30:00+08:00'), now)).toBe(false)
    expect(isStale(stamp('2025-10-01T18:30:00+08:00'), now)).toBe(true)
  })
})

describe('the stamp a card shows', () => {
  const posted = item('supply_chain_demands_posted', stamp('2025-10-01T11:00:00Z'))
  const matched = item('supply_chain_demands_matched', stamp('2025-10-01T10:00:00Z'))
  const rate = item('supply_chain_match_rate', null, ['supply_chain_demands_matched', 'supply_chain_demands_posted'])
  it('its own for a published figure, none for a figure nobody publishes', () => {
    expect(stampOf(posted, [posted])?.published_at).toBe('2025-10-01T11:00:00Z')
    expect(stampOf(item('patents', null), [posted])).toBeNull()
  })
  it('for a ratio of two published figures, the older of theirs', () => {
    expect(stampOf(rate, [posted, matched, rate])?.published_at).toBe('2025-10-01T10:00:00Z')
  })
  it('none for a ratio whose parts are not both published', () => {
    expect(stampOf(rate, [posted, rate])).toBeNull()
    expect(stampOf(rate, [posted, item('supply_chain_demands_matched', null), rate])).toBeNull()
  })
})
