import { describe, expect, it } from 'vitest'
import { closenessPercent, movesAfter, shortfallSummary, visitErrors } from './prospects'

describe('prospects', () => {
  it('says how many conditions are met and how many are missing', () => {
    expect(shortfallSummary({ met: 5, total: 7, shortfalls: [] })).toBe('5 / 7 项达标,差 2 项')
    expect(shortfallSummary({ met: 7, total: 7, shortfalls: [] })).toBe('各项条件均已达标')
  })

  it('shows closeness as a clamped whole percentage', () => {
    expect(closenessPercent(0.856)).toBe(86)
    expect(closenessPercent(1.2)).toBe(100)
    expect(closenessPercent(-0.1)).toBe(0)
    expect(closenessPercent(null)).toBe(0)
  })

  it('lists the moves after a visit oldest first', () => {
    const move = (to_stage: 'applied' | 'coached', on: string) => ({ id: on, candidate_id: 1, from_stage: null, to_stage, on, by: 'x', note: '' })
    const moves = movesAfter({ moves: [move('applied', '2025-09-20T08:00:00Z'), move('coached', '2025-09-05T08:00:00Z')] })
    expect(moves.map((m) => m.to_stage)).toEqual(['coached', 'applied'])
  })

  it('refuses a visit in the future or without visitor and advice', () => {
    expect(visitErrors({ visited_on: '2025-10-02', visitor: ' ', advice: '', program: 'tech_sme' }, '2025-10-01')).toEqual({
      visited_on: '走访日期不能晚于今天',
      visitor: '请填写走访人',
      advice: '请填写辅导建议',
    })
    expect(visitErrors({ visited_on: '2025-10-01', visitor: '李四', advice: '补齐研发费用归集', program: 'hte' }, '2025-10-01')).toEqual({})
  })
})
