import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ProblemError } from './lib/problem'
import { toNotice, type Notice, type NoticeService } from './lib/notices'
import { PAGE, allNotices, failures, markAllNoticesRead, markNotice, newestOf, noticeState, refreshNotices, stopNotices, unreadCount, type NoticeSource } from './notices'

const notice = (service: NoticeService, id: number, minute: number, read = false): Notice =>
  toNotice(service as 'funding', {
    id,
    kind: 'k',
    title: `${service} ${id}`,
    body: '',
    created_at: `2025-10-01T01:${String(minute).padStart(2, '0')}:00Z`,
    read_at: read ? '2025-10-01T02:00:00Z' : null,
    award_id: null,
  })

/** A service holding `all` (oldest first, as the services list them) and answering like one. */
function fakeSource(all: Notice[]): NoticeSource & { calls: unknown[] } {
  const calls: unknown[] = []
  return {
    calls,
    list: vi.fn(async (query) => {
      calls.push(query)
      const rows = query.unread ? all.filter((n) => !n.readAt) : all
      const offset = query.offset ?? 0
      return { items: rows.slice(offset, offset + query.limit).map((n) => ({ ...n })), total: rows.length }
    }),
    markRead: vi.fn(async (id, read) => {
      const row = all.find((n) => n.id === id)!
      row.readAt = read ? '2025-10-01T03:00:00Z' : null
      return { ...row }
    }),
    markAllRead: vi.fn(async (upToId) => {
      const unread = all.filter((n) => !n.readAt && n.id <= upToId)
      unread.forEach((n) => (n.readAt = '2025-10-01T03:00:00Z'))
      return unread.length
    }),
  }
}
const down = (error: unknown): NoticeSource => ({
  list: vi.fn(async () => Promise.reject(error)),
  markRead: vi.fn(),
  markAllRead: vi.fn(),
})

describe('the notices of the three services', () => {
  beforeEach(() => stopNotices())

  it('merges the services answers newest first and adds up their unread counts', async () => {
    await refreshNotices({
      indicator: fakeSource([notice('indicator', 1, 10)]),
      matching: fakeSource([notice('matching', 1, 5, true), notice('matching', 2, 20)]),
      funding: fakeSource([notice('funding', 1, 15)]),
    })
    expect(allNotices().map((n) => n.key)).toEqual(['matching:2', 'funding:1', 'indicator:1', 'matching:1'])
    expect(unreadCount()).toBe(3)
    expect(failures()).toEqual([])
  })

  it('a service that is down is named, and the others notices still show', async () => {
    await refreshNotices({
      indicator: fakeSource([notice('indicator', 1, 10)]),
      matching: down(new TypeError('Failed to fetch')),
      funding: down(new ProblemError({ status: 503, title: 'Service Unavailable' })),
    })
    expect(allNotices().map((n) => n.key)).toEqual(['indicator:1'])
    expect(unreadCount()).toBe(1)
    expect(failures()).toEqual([
      { key: 'matching', label: '供需对接服务', error: '未响应' },
      { key: 'funding', label: '资金兑现服务', error: '服务暂不可用' },
    ])
  })

  it('a service that comes back is no longer named as failed', async () => {
    const sources = { indicator: fakeSource([]), matching: fakeSource([]), funding: down(new TypeError('offline')) }
    await refreshNotices(sources)
    expect(failures().map((f) => f.key)).toEqual(['funding'])
    await refreshNotices({ ...sources, funding: fakeSource([notice('funding', 3, 1)]) })
    expect(failures()).toEqual([])
    expect(allNotices().map((n) => n.key)).toEqual(['funding:3'])
  })

  it('past one page keeps each service newest page, and counts all its unread', async () => {
    const all = Array.from({ length: PAGE + 7 }, (_, i) => notice('funding', i + 1, 0))
    const source = fakeSource(all)
    const { notices, unread } = await newestOf(source)
    expect(notices.map((n) => n.id)).toEqual(all.slice(7).map((n) => n.id))
    expect(unread).toBe(PAGE + 7)
    expect(source.calls).toEqual([{ limit: PAGE }, { limit: PAGE, offset: 7 }, { limit: 1, unread: true }])
  })

  it('marks one read at its own service, and the count follows', async () => {
    const funding = fakeSource([notice('funding', 4, 1), notice('funding', 5, 2)])
    const sources = { indicator: fakeSource([notice('indicator', 4, 3)]), matching: fakeSource([]), funding }
    await refreshNotices(sources)
    expect(unreadCount()).toBe(3)
    const target = allNotices().find((n) => n.key === 'funding:4')!
    await markNotice(target, true, sources)
    expect(funding.markRead).toHaveBeenCalledWith(4, true)
    expect(sources.indicator.markRead).not.toHaveBeenCalled()
    expect(unreadCount()).toBe(2)
    expect(noticeState.services.funding.notices.find((n) => n.id === 4)!.readAt).not.toBeNull()
    // Marking a read notice read again sends nothing.
    await markNotice(target, true, sources)
    expect(funding.markRead).toHaveBeenCalledTimes(1)
    await markNotice(target, false, sources)
    expect(unreadCount()).toBe(3)
  })

  it('marks all read up to what each service showed, skipping a service that is down', async () => {
    const funding = [notice('funding', 1, 1), notice('funding', 2, 2, true), notice('funding', 3, 3)]
    const sources = { indicator: fakeSource([notice('indicator', 1, 10)]), matching: down(new TypeError('offline')), funding: fakeSource(funding) }
    await refreshNotices(sources)
    expect(unreadCount()).toBe(3)
    funding.push(notice('funding', 4, 4)) // arrives after the list was shown
    expect(await markAllNoticesRead(sources)).toBe(3)
    expect(sources.funding.markAllRead).toHaveBeenCalledWith(3)
    expect(sources.matching.markAllRead).not.toHaveBeenCalled()
    expect(unreadCount()).toBe(1) // the late one
    expect(allNotices().filter((n) => !n.readAt).map((n) => n.key)).toEqual(['funding:4'])
  })
})
