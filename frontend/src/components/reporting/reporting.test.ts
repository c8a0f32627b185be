import { describe, expect, it } from 'vitest'
import { periodLabel, reportedMonth } from './reporting'

describe('reportedMonth', () => {
  it('is the month before the as-of day, across a year end', () => {
    expect(reportedMonth('2025-09-15')).toEqual({ year: 2025, period_type: 'month', period: 8 })
    expect(reportedMonth('2026-01-05')).toEqual({ year: 2025, period_type: 'month', period: 12 })
  })
  it('labels months and quarters in Chinese', () => {
    expect(periodLabel({ year: 2025, period_type: 'month', period: 8 })).toBe('2025年8月')
    expect(periodLabel({ year: 2025, period_type: 'quarter', period: 3 })).toBe('2025年第3季度')
  })
})

import { quarterOfKey } from '../periods/periods'

describe('quarterOfKey', () => {
  it('reads a quarter key and leaves months alone', () => {
    expect(quarterOfKey('2025-Q3')).toEqual({ year: 2025, quarter: 3 })
    expect(quarterOfKey('2025-08')).toBeUndefined()
  })
})
