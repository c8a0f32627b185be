import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { OutboxEvent, OutboxFilter, ServiceOperations } from './operations'

const message = { success: vi.fn(), error: vi.fn() }
vi.mock('element-plus/es', async (importOriginal) => ({
  ...(await importOriginal<typeof import('element-plus/es')>()),
  ElMessage: message,
}))
const { default: ServiceOutbox } = await import('./ServiceOutbox.vue')
const { ProblemError } = await import('../../lib/problem')

const event = (id: number, state: string, overrides: Partial<OutboxEvent> = {}): OutboxEvent => ({
  id,
  event_id: `evt-${id}`,
  type: 'docking.succeeded',
  subject: `docking:${id}`,
  data: {},
  occurred_at: '2025-10-01T01:00:00Z',
  destination: 'indicator-api',
  state,
  attempts: state === 'dead' ? 8 : 1,
  next_attempt_at: '2025-10-01T01:05:00Z',
  last_error: state === 'dead' ? 'HTTP 503' : null,
  delivered_at: null,
  ...overrides,
})

function fakeService(events: OutboxEvent[]) {
  const listOutbox = vi.fn(async (state: OutboxFilter) => {
    const items = events.filter((e) => (state ? e.state === state : e.state !== 'delivered'))
    return { items, total: items.length }
  })
  const retryEvent = vi.fn(async (id: number) => {
    const found = events.find((e) => e.id === id)!
    found.state = 'pending'
    found.attempts = 0
    return found
  })
  const service: ServiceOperations = { key: 'matching', label: '供需对接服务', listJobs: vi.fn(), runJob: vi.fn(), listOutbox, retryEvent }
  return { service, listOutbox, retryEvent }
}

describe('ServiceOutbox', () => {
  beforeEach(() => {
    message.success.mockReset()
    message.error.mockReset()
  })

  it('shows what is not delivered, with 重试 on the dead events only', async () => {
    const { service, listOutbox } = fakeService([event(1, 'pending'), event(2, 'dead'), event(3, 'delivered')])
    const wrapper = mount(ServiceOutbox, { props: { service } })
    await flushPromises()
    expect(listOutbox).toHaveBeenCalledWith('', { limit: 10, offset: 0 })
    expect(wrapper.get('[data-test="outbox-total"]').text()).toBe('共 2 条')
    expect(wrapper.findAll('[data-test="event-state"]').map((tag) => tag.text())).toEqual(['待送达', '送达失败'])
    expect(wrapper.findAll('[data-test="retry"]')).toHaveLength(1)
    expect(wrapper.text()).toContain('HTTP 503')
  })

  it('retries a dead event and reads the outbox again', async () => {
    const { service, listOutbox, retryEvent } = fakeService([event(2, 'dead')])
    const wrapper = mount(ServiceOutbox, { props: { service } })
    await flushPromises()
    await wrapper.get('[data-test="retry"]').trigger('click')
    await flushPromises()
    expect(retryEvent).toHaveBeenCalledWith(2)
    expect(message.success).toHaveBeenCalledWith('事件 #2 已放回待送达')
    expect(listOutbox).toHaveBeenCalledTimes(2)
    expect(wrapper.findAll('[data-test="event-state"]').map((tag) => tag.text())).toEqual(['待送达'])
    expect(wrapper.find('[data-test="retry"]').exists()).toBe(false)
  })

  it('says why a retry was refused', async () => {
    const { service, retryEvent } = fakeService([event(2, 'dead')])
    retryEvent.mockRejectedValueOnce(new ProblemError({ status: 409, title: 'Conflict', detail: 'outbox event 2 is pending', code: 'outbox_event_not_dead' }))
    const wrapper = mount(ServiceOutbox, { props: { service } })
    await flushPromises()
    await wrapper.get('[data-test="retry"]').trigger('click')
    await flushPromises()
    expect(message.error).toHaveBeenCalledTimes(1)
    expect(message.error.mock.calls[0][0]).toContain('outbox event 2 is pending')
  })
})
