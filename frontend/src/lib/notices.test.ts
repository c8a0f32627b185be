import { describe, expect, it } from 'vitest'
import { ago, linkOf, mergeNotices, toNotice, unreadTotal } from './notices'

const base = { title: 't', body: '', read_at: null }
const funding = (id: number, created_at: string, award_id: number | null = 7) =>
  toNotice('funding', { ...base, id, kind: 'award_payment_overdue', created_at, award_id })
const matching = (id: number, created_at: string, demand_id: number | null = 3) =>
  toNotice('matching', { ...base, id, kind: 'new_response', created_at, demand_id, supply_id: null, match_id: null })
const indicator = (id: number, created_at: string, region_code: string | null = '420281101') =>
  toNotice('indicator', { ...base, id, kind: 'township_behind_pace', created_at, region_code, year: 2025, month: 9 })

describe('merging the three services notices', () => {
  it('lists them newest first, comparing instants written with different offsets', () => {
    const merged = mergeNotices([
      [indicator(1, '2025-10-01T09:00:00+08:00')], // 01:00Z
      [matching(5, '2025-10-01T00:30:00Z'), matching(6, '2025-10-01T02:00:00Z')],
      [funding(9, '2025-10-01T01:30:00+00:00')],
    ])
    expect(merged.map((n) => n.key)).toEqual(['matching:6', 'funding:9', 'indicator:1', 'matching:5'])
  })

  it('keeps a fixed order for equal instants, so ids that overlap across services stay apart', () => {
    const at = '2025-10-01T01:00:00Z'
    const once = mergeNotices([[indicator(1, at)], [matching(1, at), matching(2, at)], [funding(1, at)]])
    const again = mergeNotices([[funding(1, at)], [matching(2, at), matching(1, at)], [indicator(1, at)]])
    expect(once.map((n) => n.key)).toEqual(['indicator:1', 'matching:2', 'matching:1', 'funding:1'])
    expect(again.map((n) => n.key)).toEqual(once.map((n) => n.key))
    expect(new Set(once.map((n) => n.key)).size).toBe(4)
  })

  it('counts the unread of the services that answered, a failed one counting nothing', () => {
    expect(unreadTotal({ indicator: 2, matching: undefined, funding: 5 })).toBe(7)
    expect(unreadTotal({})).toBe(0)
  })
})

describe('where a notice leads', () => {
  it('an award reminder to the award, a demand to the demand, a township to its 培育库', () => {
    expect(funding(1, '2025-10-01T00:00:00Z', 42).link).toEqual({ path: '/finance?award=42', label: '查看奖补 #42' })
    expect(matching(1, '2025-10-01T00:00:00Z', 8).link).toEqual({ path: '/enterprise?demand=8', label: '查看需求 #8' })
    expect(indicator(1, '2025-10-01T00:00:00Z', '420281102').link?.path).toBe('/township/420281102')
  })

  it('a newly eligible policy to the enterprise\'s policies, not to the township it belongs to', () => {
    const notice = toNotice('indicator', { ...base, id: 3, kind: 'policy_newly_eligible', created_at: '', region_code: '420281102', year: 2025, month: null })
    expect(notice.link).toEqual({ path: '/enterprise/policies', label: '查看我能享受的政策' })
  })

  it('nowhere when the notice names nothing', () => {
    expect(funding(1, '2025-10-01T00:00:00Z', null).link).toBeNull()
    expect(linkOf('matching', { ...base, id: 1, kind: 'x', created_at: '', demand_id: null, supply_id: 4, match_id: null })).toBeNull()
    expect(indicator(1, '2025-10-01T00:00:00Z', null).link).toBeNull()
  })
})

describe('how long ago', () => {
  const now = new Date('2025-10-01T12:00:00Z')
  it('in minutes, hours, then days', () => {
    expect(ago('2025-10-01T11:59:30Z', now)).toBe('刚刚')
    expect(ago('2025-10-01T11:48:00Z', now)).toBe('12 分钟前')
    expect(ago('2025-10-01T09:00:00Z', now)).toBe('3 小时前')
    expect(ago('2025-09-29T11:00:00Z', now)).toBe('2 天前')
  })
})
