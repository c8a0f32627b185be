import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Job, JobRun, ServiceOperations } from './operations'

// The confirmation box is Element Plus's (imported on demand): the test answers it.
const confirm = vi.fn()
vi.mock('element-plus/es', async (importOriginal) => ({
  ...(await importOriginal<typeof import('element-plus/es')>()),
  ElMessageBox: { confirm: (...args: unknown[]) => confirm(...args) },
}))
const { default: ServiceJobs } = await import('./ServiceJobs.vue')

const lastRun: JobRun = {
  occurrence: '2025-09-30T16:05:00+00:00',
  trigger: 'schedule',
  scheduled_for: '2025-09-30T16:05:00+00:00',
  outcome: 'ok',
  attempts: 1,
  summary: { closed_demands: 2 },
  error: null,
  started_at: '2025-09-30T16:05:01+00:00',
  finished_at: '2025-09-30T16:05:02+00:00',
  runner: 'host:1',
  requested_by: null,
}
const duty = (name: string, last_run: JobRun | null): Job => ({
  name,
  description: `${name} 的说明`,
  schedule: '5 0 * * *',
  timezone: 'Asia/Shanghai',
  grace_seconds: 86400,
  next_run_at: '2025-10-01T16:05:00+00:00',
  last_run,
})

function fakeService(runs: JobRun[]) {
  let jobs = [duty('close-expired-demands', lastRun), duty('remind-demands', null)]
  const runJob = vi.fn(async (name: string, key: string) => {
    void key
    const run = runs.shift()!
    jobs = jobs.map((job) => (job.name === name ? { ...job, last_run: run } : job))
    return run
  })
  const service: ServiceOperations = {
    key: 'matching',
    label: '供需对接服务',
    listJobs: vi.fn(async () => jobs),
    runJob,
    listOutbox: vi.fn(),
    retryEvent: vi.fn(),
  }
  return { service, runJob }
}

const manual = (overrides: Partial<JobRun>): JobRun => ({
  ...lastRun,
  occurrence: 'manual:k',
  trigger: 'manual',
  scheduled_for: null,
  started_at: '2025-10-01T02:00:00+00:00',
  requested_by: 'admin',
  ...overrides,
})

async function mountJobs(service: ServiceOperations) {
  const wrapper = mount(ServiceJobs, { props: { service }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe('ServiceJobs', () => {
  beforeEach(() => {
    confirm.mockReset()
    document.body.innerHTML = ''
  })

  it('lists each duty with its last run in the duty time zone, or that it has not run', async () => {
    const wrapper = await mountJobs(fakeService([]).service)
    const runs = wrapper.findAll('[data-test="last-run"]').map((cell) => cell.text())
    expect(runs[0]).toContain('成功')
    expect(runs[0]).toContain('2025-10-01 00:05:01')
    expect(runs[0]).toContain('按计划')
    expect(runs[1]).toBe('尚未执行')
    expect(wrapper.text()).toContain('closed_demands 2')
    expect(wrapper.text()).toContain('2025-10-02 00:05:00') // the next run
  })

  it('runs a duty once after confirmation, shows the answer and the new last run', async () => {
    const { service, runJob } = fakeService([manual({ summary: { closed_demands: 0 } })])
    let accept!: (value: string) => void
    confirm.mockReturnValue(new Promise((resolve) => (accept = resolve)))
    const wrapper = await mountJobs(service)
    const button = wrapper.findAll('[data-test="run-now"]')[1]
    await button.trigger('click')
    await button.trigger('click') // a second click while the box is still open
    accept('confirm')
    await flushPromises()
    expect(confirm).toHaveBeenCalledTimes(1)
    expect(runJob).toHaveBeenCalledTimes(1)
    const [name, key] = runJob.mock.calls[0]
    expect(name).toBe('remind-demands')
    expect(key).toMatch(/^[\x21-\x7e]{16,}$/)
    expect(wrapper.get('[data-test="run-answer"]').text()).toContain('remind-demands:成功(closed_demands 0)')
    const second = wrapper.findAll('[data-test="last-run"]')[1].text()
    expect(second).toContain('手动 · admin')
    expect(second).toContain('2025-10-01 10:00:00')
    expect(service.listJobs).toHaveBeenCalledTimes(2)
  })

  it('sends nothing when the confirmation is cancelled', async () => {
    const { service, runJob } = fakeService([])
    confirm.mockRejectedValue('cancel')
    const wrapper = await mountJobs(service)
    await wrapper.findAll('[data-test="run-now"]')[0].trigger('click')
    await flushPromises()
    expect(runJob).not.toHaveBeenCalled()
    expect(wrapper.find('[data-test="run-answer"]').exists()).toBe(false)
  })

  it('shows a failed run with its reason', async () => {
    const { service } = fakeService([manual({ outcome: 'failed', error: 'indicator-api 不可用', summary: {} })])
    confirm.mockResolvedValue('confirm')
    const wrapper = await mountJobs(service)
    await wrapper.findAll('[data-test="run-now"]')[0].trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-test="run-answer"]').text()).toContain('close-expired-demands:失败(indicator-api 不可用)')
    expect(wrapper.get('.el-alert--error').text()).toContain('indicator-api 不可用')
  })
})
