import { describe, expect, it } from 'vitest'
import { quarterOf, yearToDate } from './period'

describe('the dashboard periods', () => {
  it('puts a day in its quarter', () => {
    expect(quarterOf('2025-01-01')).toBe(1)
    expect(quarterOf('2025-06-30')).toBe(2)
    expect(quarterOf('2025-09-30')).toBe(3)
    expect(quarterOf('2025-12-31')).toBe(4)
  })
  it('counts demand statistics over the year to the as-of day, or the whole year when that day is in another', () => {
    expect(yearToDate(2025, '2025-09-30')).toEqual({ from: '2025-01-01', to: '2025-09-30' })
    expect(yearToDate(2024, '2025-09-30')).toEqual({ from: '2024-01-01', to: '2024-12-31' })
  })
})
