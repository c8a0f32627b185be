import { describe, expect, it } from 'vitest'
import { amountAvailableNow, groupPolicies, type PolicyItem } from './policies'

const item = (code: string, status: PolicyItem['status'], amount: string | null = null): PolicyItem => ({
  kind: code.startsWith('program:') ? 'program' : 'qualification',
  code,
  name: `政策 ${code}`,
  status,
  amount,
  source_level: null,
  missing: [],
  basis: '',
})

describe('groupPolicies', () => {
  it('puts what can be had now first and leaves empty sections out, keeping the order within one', () => {
    const sections = groupPolicies([
      item('hte', 'not_eligible'),
      item('program:2', 'eligible_now', '30000.00'),
      item('tech_sme', 'held'),
      item('program:7', 'eligible_now', '100000.00'),
    ])
    expect(sections.map((s) => s.label)).toEqual(['现在即可获得', '已享受', '暂不符合'])
    expect(sections[0].items.map((i) => i.code)).toEqual(['program:2', 'program:7'])
  })
})

describe('amountAvailableNow', () => {
  it('adds the amounts of what is eligible now exactly, ignoring held ones and those without an amount', () => {
    const items = [
      item('program:1', 'eligible_now', '0.10'),
      item('program:2', 'eligible_now', '0.20'),
      item('program:3', 'held', '50000.00'),
      item('hte', 'eligible_now'),
    ]
    expect(amountAvailableNow(items)).toBe('0.30')
    expect(amountAvailableNow([])).toBe('0.00')
  })
})
