// The signed-in account's notifications from the three services, shared by the header's badge and the
// notification centre. Each service is asked on its own: one that is down keeps its failure (shown by
// name) and never hides the others' notices.
import { reactive } from 'vue'
import { fundingApi, indicatorApi, matchingApi, unwrap } from './api'
import { errorMessage } from './lib/problem'
import { NOTICE_SERVICES, mergeNotices, toNotice, unreadTotal, type Notice, type NoticeService } from './lib/notices'

/** The newest notices kept per service. */
export const PAGE = 50
const POLL_MS = 60000

interface Page<T> {
  items: T[]
  total: number
}
interface Query {
  limit: number
  offset?: number
  unread?: boolean
}

/** The two calls every service answers alike (the kit's `/api/v1/notifications`). */
export interface NoticeSource {
  list(query: Query): Promise<Page<Notice>>
  markRead(id: number, read: boolean): Promise<Notice>
  /** Marks read every unread notice with an id up to `upToId`; how many. */
  markAllRead(upToId: number): Promise<number>
}

export const SOURCES: Record<NoticeService, NoticeSource> = {
  indicator: {
    list: async (query) => {
      const page = unwrap(await indicatorApi.GET('/api/v1/notifications', { params: { query } }))
      return { items: page.items.map((n) => toNotice('indicator', n)), total: page.total }
    },
    markRead: async (id, read) =>
      toNotice('indicator', unwrap(await indicatorApi.PATCH('/api/v1/notifications/{notification_id}', { params: { path: { notification_id: id } }, body: { read } }))),
    markAllRead: async (upToId) => unwrap(await indicatorApi.POST('/api/v1/notifications/read', { body: { up_to_id: upToId } })).marked,
  },
  matching: {
    list: async (query) => {
      const page = unwrap(await matchingApi.GET('/api/v1/notifications', { params: { query } }))
      return { items: page.items.map((n) => toNotice('matching', n)), total: page.total }
    },
    markRead: async (id, read) =>
      toNotice('matching', unwrap(await matchingApi.PATCH('/api/v1/notifications/{notification_id}', { params: { path: { notification_id: id } }, body: { read } }))),
    markAllRead: async (upToId) => unwrap(await matchingApi.POST('/api/v1/notifications/read', { body: { up_to_id: upToId } })).marked,
  },
  funding: {
    list: async (query) => {
      const page = unwrap(await fundingApi.GET('/api/v1/notifications', { params: { query } }))
      return { items: page.items.map((n) => toNotice('funding', n)), total: page.total }
    },
    markRead: async (id, read) =>
      toNotice('funding', unwrap(await fundingApi.PATCH('/api/v1/notifications/{notification_id}', { params: { path: { notification_id: id } }, body: { read } }))),
    markAllRead: async (upToId) => unwrap(await fundingApi.POST('/api/v1/notifications/read', { body: { up_to_id: upToId } })).marked,
  },
}

/**
 * A service's newest `PAGE` notices and its unread count. The services list in the order they wrote
 * (oldest first), so past one page the newest page is the last one.
 */
export async function newestOf(source: NoticeSource): Promise<{ notices: Notice[]; unread: number }> {
  const first = await source.list({ limit: PAGE })
  const page = first.total > PAGE ? await source.list({ limit: PAGE, offset: first.total - PAGE }) : first
  const unread = (await source.list({ limit: 1, unread: true })).total
  return { notices: page.items, unread }
}

interface ServiceState {
  notices: Notice[]
  unread: number | undefined
  /** Why the last refresh failed ('' when it answered). */
  error: string
}

const blank = (): Record<NoticeService, ServiceState> => {
  const empty = (): ServiceState => ({ notices: [], unread: undefined, error: '' })
  return { indicator: empty(), matching: empty(), funding: empty() }
}

export const noticeState = reactive({ services: blank(), loading: false, loaded: false })

/** All the notices held, newest first. */
export function allNotices(): Notice[] {
  return mergeNotices(NOTICE_SERVICES.map(({ key }) => noticeState.services[key].notices))
}

export function unreadCount(): number {
  return unreadTotal(Object.fromEntries(NOTICE_SERVICES.map(({ key }) => [key, noticeState.services[key].unread])))
}

/** The services whose last refresh failed, with why. */
export function failures(): { key: NoticeService; label: string; error: string }[] {
  return NOTICE_SERVICES.filter(({ key }) => noticeState.services[key].error).map((s) => ({ ...s, error: noticeState.services[s.key].error }))
}

let round = 0
/** Asks the three services at once; each answer or failure lands on its own service. */
export async function refreshNotices(sources: Record<NoticeService, NoticeSource> = SOURCES): Promise<void> {
  const seq = ++round
  noticeState.loading = true
  await Promise.all(
    NOTICE_SERVICES.map(async ({ key }) => {
      try {
        const { notices, unread } = await newestOf(sources[key])
        if (seq !== round) return
        Object.assign(noticeState.services[key], { notices, unread, error: '' })
      } catch (e) {
        if (seq !== round) return
        // What it held before stays out of sight: the list shows only what each service says now.
        Object.assign(noticeState.services[key], { notices: [], unread: undefined, error: errorMessage(e, { offline: '未响应' }) })
      }
    }),
  )
  if (seq === round) {
    noticeState.loading = false
    noticeState.loaded = true
  }
}

/** Marks one notice read (or unread) at its service; the count follows. */
export async function markNotice(notice: Notice, read = true, sources: Record<NoticeService, NoticeSource> = SOURCES): Promise<void> {
  if (!!notice.readAt === read) return
  const updated = await sources[notice.service].markRead(notice.id, read)
  const state = noticeState.services[notice.service]
  const held = state.notices.find((n) => n.id === notice.id)
  if (held) held.readAt = updated.readAt
  notice.readAt = updated.readAt
  if (state.unread !== undefined) state.unread = Math.max(0, state.unread + (read ? -1 : 1))
}

/**
 * 全部标为已读: each service that answered marks read what the list shows of it (ids up to the newest
 * held, so a notice arriving meanwhile stays unread); then the counts are asked again.
 */
export async function markAllNoticesRead(sources: Record<NoticeService, NoticeSource> = SOURCES): Promise<number> {
  const marked = await Promise.all(
    NOTICE_SERVICES.map(async ({ key }) => {
      const state = noticeState.services[key]
      if (state.error || !state.unread || state.notices.length === 0) return 0
      return sources[key].markAllRead(Math.max(...state.notices.map((n) => n.id)))
    }),
  )
  await refreshNotices(sources)
  return marked.reduce((a, b) => a + b, 0)
}

let timer: ReturnType<typeof setInterval> | undefined
/** Polls while someone is signed in; `stopNotices` on sign-out forgets the account's notices. */
export function startNotices(): void {
  if (timer) return
  refreshNotices()
  timer = setInterval(() => refreshNotices(), POLL_MS)
}

export function stopNotices(): void {
  clearInterval(timer)
  timer = undefined
  round++
  Object.assign(noticeState, { services: blank(), loading: false, loaded: false })
}
