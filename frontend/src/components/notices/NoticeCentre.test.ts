import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { toNotice } from '../../lib/notices'
import { session } from '../../session'
import { noticeState, stopNotices } from '../../notices'
import NoticeCentre from './NoticeCentre.vue'

const markRead = vi.fn(async (id: number) => ({ ...funding(id), readAt: '2025-10-01T03:00:00Z' }))
function funding(id: number) {
  return toNotice('funding', { id, kind: 'award_payment_overdue', title: `奖补 ${id} 超期`, body: '', created_at: `2025-10-01T01:0${id}:00Z`, read_at: null, award_id: 40 + id })
}
vi.mock('../../notices', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../notices')>()
  return { ...real, markNotice: (notice: import('../../lib/notices').Notice, read = true) => real.markNotice(notice, read, { ...real.SOURCES, funding: { list: vi.fn(), markRead, markAllRead: vi.fn() } }) }
})

function router() {
  const screen = { template: '<div />' }
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: screen },
      { path: '/finance', component: screen, meta: { roles: ['admin', 'viewer'] } },
      { path: '/township/:code?', component: screen, meta: { roles: ['admin', 'township', 'viewer'] } },
    ],
  })
}

async function mountCentre(role: 'admin' | 'township') {
  session.user = { username: role, display_name: role, role, region_code: role === 'township' ? '420281101' : null, credit_code: null }
  const r = router()
  await r.push('/')
  const wrapper = mount(NoticeCentre, { props: { modelValue: true }, global: { plugins: [r] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router: r }
}

describe('NoticeCentre', () => {
  beforeEach(() => {
    stopNotices()
    markRead.mockClear()
    document.body.innerHTML = ''
    noticeState.services.funding.notices = [funding(1), funding(2)]
    noticeState.services.funding.unread = 2
    noticeState.services.matching.error = '未响应'
    noticeState.loaded = true
  })

  it('lists the notices newest first and names the service that failed', async () => {
    await mountCentre('admin')
    const titles = [...document.querySelectorAll('[data-test="notice-title"]')].map((el) => el.textContent)
    expect(titles).toEqual(['奖补 2 超期', '奖补 1 超期'])
    const failures = [...document.querySelectorAll('[data-test="notice-failure"]')]
    expect(failures.map((el) => el.getAttribute('data-service'))).toEqual(['matching'])
    expect(failures[0].textContent).toContain('供需对接服务未响应')
    expect(document.querySelector('[data-test="notice-unread"]')!.textContent).toContain('未读 2 条')
  })

  it('follows a notice to its award, marking it read', async () => {
    const { router } = await mountCentre('admin')
    ;(document.querySelector('[data-test="notice-link"]') as HTMLElement).click()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/finance?award=42')
    expect(markRead).toHaveBeenCalledWith(2, true)
    expect(document.querySelector('[data-test="notice-unread"]')!.textContent).toContain('未读 1 条')
  })

  it('offers no link to a screen the role may not open, and a click only marks it read', async () => {
    const { router } = await mountCentre('township')
    expect(document.querySelectorAll('[data-test="notice-link"]').length).toBe(0)
    ;(document.querySelector('[data-test="notice"]') as HTMLElement).click()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/')
    expect(markRead).toHaveBeenCalledWith(2, true)
  })
})
