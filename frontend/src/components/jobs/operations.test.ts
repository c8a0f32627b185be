import { beforeEach, describe, expect, it, vi } from 'vitest'

const calls: { client: string; method: string; path: string; options: unknown }[] = []
const answer = { data: {} as unknown, status: 200 }
const fake = (client: string) => ({
  GET: (path: string, options?: unknown) => record(client, 'GET', path, options),
  POST: (path: string, options?: unknown) => record(client, 'POST', path, options),
})
function record(client: string, method: string, path: string, options: unknown) {
  calls.push({ client, method, path, options })
  // openapi-fetch answers `data` on success and the problem+json as `error` otherwise.
  const body = answer.status < 400 ? { data: answer.data } : { error: answer.data }
  return Promise.resolve({ ...body, response: new Response(null, { status: answer.status }) })
}
vi.mock('../../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../api')>()),
  indicatorApi: fake('indicator'),
  matchingApi: fake('matching'),
  fundingApi: fake('funding'),
}))
const { SERVICES, describeRun, formatSummary, formatTime } = await import('./operations')
type JobRun = import('./operations').JobRun

const run = (overrides: Partial<JobRun>): JobRun => ({
  occurrence: 'manual:abc',
  trigger: 'manual',
  scheduled_for: null,
  outcome: 'ok',
  attempts: 1,
  summary: {},
  error: null,
  started_at: '2025-10-01T01:00:00Z',
  finished_at: '2025-10-01T01:00:01Z',
  runner: 'host:1',
  requested_by: 'admin',
  ...overrides,
})

describe('the three services', () => {
  beforeEach(() => {
    calls.length = 0
    answer.status = 200
  })

  it('each reaches its own service, for duties and outbox alike', async () => {
    answer.data = { items: [{ name: 'close-expired-demands' }], total: 1 }
    expect(SERVICES.map((s) => s.key)).toEqual(['indicator', 'matching', 'funding'])
    for (const service of SERVICES) expect(await service.listJobs()).toEqual([{ name: 'close-expired-demands' }])
    expect(calls.map((c) => `${c.client} ${c.method} ${c.path}`)).toEqual([
      'indicator GET /api/v1/jobs',
      'matching GET /api/v1/jobs',
      'funding GET /api/v1/jobs',
    ])
  })

  it('runs a duty with the key of the confirmed click', async () => {
    answer.data = run({})
    await SERVICES[1].runJob('publish-match-stats', 'key-1')
    expect(calls).toEqual([
      {
        client: 'matching',
        method: 'POST',
        path: '/api/v1/jobs/{name}/runs',
        options: { params: { path: { name: 'publish-match-stats' }, header: { 'Idempotency-Key': 'key-1' } } },
      },
    ])
  })

  it('asks for what is not delivered by leaving the state out, and for one state by naming it', async () => {
    answer.data = { items: [], total: 0 }
    await SERVICES[2].listOutbox('', { limit: 10, offset: 20 })
    await SERVICES[2].listOutbox('dead', { limit: 10, offset: 0 })
    expect(calls.map((c) => c.options)).toEqual([
      { params: { query: { limit: 10, offset: 20 } } },
      { params: { query: { limit: 10, offset: 0, state: 'dead' } } },
    ])
  })

  it('retries one event by its id, and a refusal comes back as the problem', async () => {
    answer.data = { status: 409, title: 'Conflict', code: 'outbox_event_not_dead', detail: 'outbox event 7 is pending' }
    answer.status = 409
    await expect(SERVICES[0].retryEvent(7)).rejects.toMatchObject({ problem: { status: 409, code: 'outbox_event_not_dead' } })
    expect(calls[0]).toMatchObject({ client: 'indicator', method: 'POST', path: '/api/v1/outbox/{event_id}/retry', options: { params: { path: { event_id: 7 } } } })
  })
})

describe('how runs read', () => {
  it('shows an instant in the duty time zone, or the browser one', () => {
    expect(formatTime('2025-09-30T17:05:00+00:00', 'Asia/Shanghai')).toBe('2025-10-01 01:05:00')
    expect(formatTime('2025-10-01T01:05:00+08:00', 'UTC')).toBe('2025-09-30 17:05:00')
    expect(formatTime(null)).toBe('—')
    expect(formatTime('2025-10-01T01:05:00Z')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  })

  it('writes a summary as one line, nested values as JSON', () => {
    expect(formatSummary({ closed_demands: 3, as_of: '2025-09-30' })).toBe('closed_demands 3 · as_of 2025-09-30')
    expect(formatSummary({ by_program: { 1: 2 } })).toBe('by_program {"1":2}')
    expect(formatSummary({})).toBe('')
  })

  it('tells a success with its summary, a failure with its reason', () => {
    expect(describeRun('close-expired-demands', run({ summary: { closed_demands: 2 } }))).toEqual({
      type: 'success',
      text: 'close-expired-demands:成功(closed_demands 2)',
    })
    expect(describeRun('publish-outstanding', run({ outcome: 'failed', error: 'indicator-api 503', summary: { written: 0 } }))).toEqual({
      type: 'error',
      text: 'publish-outstanding:失败(indicator-api 503)',
    })
    expect(describeRun('remind-demands', run({ outcome: 'skipped' }))).toEqual({ type: 'info', text: 'remind-demands:跳过' })
  })
})
