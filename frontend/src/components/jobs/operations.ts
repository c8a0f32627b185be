// What the 调度任务 screen asks of each service: its scheduled duties (`/api/v1/jobs`, a run now) and its
// outbox (`/api/v1/outbox`, a retry of a dead event). The three services answer with the same kit
// routes; each gets its typed client here, so the components handle any of them alike.
import { fundingApi, indicatorApi, matchingApi, unwrap, type IndicatorSchemas } from '../../api'
import type { PageRequest } from '../../composables/useLoader'

export type Job = IndicatorSchemas['Job']
export type JobRun = IndicatorSchemas['JobRun']
export type Outcome = IndicatorSchemas['Outcome']
export type OutboxEvent = IndicatorSchemas['OutboxEventPublic']
/** The outbox's filter: '' is what is not yet delivered (pending and dead together). */
export type OutboxFilter = '' | 'pending' | 'dead' | 'delivered'

export interface ServiceOperations {
  key: 'indicator' | 'matching' | 'funding'
  label: string
  listJobs(): Promise<Job[]>
  /** Runs a duty now, once per `idempotencyKey` (a retried click answers the same run). */
  runJob(name: string, idempotencyKey: string): Promise<JobRun>
  listOutbox(state: OutboxFilter, page: PageRequest): Promise<{ items: OutboxEvent[]; total: number }>
  retryEvent(id: number): Promise<OutboxEvent>
}

const outboxQuery = (state: OutboxFilter, { limit, offset }: PageRequest) => ({ limit, offset, ...(state ? { state } : {}) })

export const SERVICES: ServiceOperations[] = [
  {
    key: 'indicator',
    label: '指标服务',
    listJobs: async () => unwrap(await indicatorApi.GET('/api/v1/jobs')).items,
    runJob: async (name, key) =>
      unwrap(await indicatorApi.POST('/api/v1/jobs/{name}/runs', { params: { path: { name }, header: { 'Idempotency-Key': key } } })),
    listOutbox: async (state, page) => unwrap(await indicatorApi.GET('/api/v1/outbox', { params: { query: outboxQuery(state, page) } })),
    retryEvent: async (id) => unwrap(await indicatorApi.POST('/api/v1/outbox/{event_id}/retry', { params: { path: { event_id: id } } })),
  },
  {
    key: 'matching',
    label: '供需对接服务',
    listJobs: async () => unwrap(await matchingApi.GET('/api/v1/jobs')).items,
    runJob: async (name, key) =>
      unwrap(await matchingApi.POST('/api/v1/jobs/{name}/runs', { params: { path: { name }, header: { 'Idempotency-Key': key } } })),
    listOutbox: async (state, page) => unwrap(await matchingApi.GET('/api/v1/outbox', { params: { query: outboxQuery(state, page) } })),
    retryEvent: async (id) => unwrap(await matchingApi.POST('/api/v1/outbox/{event_id}/retry', { params: { path: { event_id: id } } })),
  },
  {
    key: 'funding',
    label: '资金兑现服务',
    listJobs: async () => unwrap(await fundingApi.GET('/api/v1/jobs')).items,
    runJob: async (name, key) =>
      unwrap(await fundingApi.POST('/api/v1/jobs/{name}/runs', { params: { path: { name }, header: { 'Idempotency-Key': key } } })),
    listOutbox: async (state, page) => unwrap(await fundingApi.GET('/api/v1/outbox', { params: { query: outboxQuery(state, page) } })),
    retryEvent: async (id) => unwrap(await fundingApi.POST('/api/v1/outbox/{event_id}/retry', { params: { path: { event_id: id } } })),
  },
]

export const OUTCOME: Record<Outcome, { label: string; tag: 'success' | 'danger' | 'info' | 'warning' }> = {
  ok: { label: '成功', tag: 'success' },
  failed: { label: '失败', tag: 'danger' },
  skipped: { label: '跳过', tag: 'info' },
  running: { label: '执行中', tag: 'warning' },
}
export const TRIGGER: Record<IndicatorSchemas['Trigger'], string> = { schedule: '按计划', manual: '手动' }
export const OUTBOX_STATE: Record<string, { label: string; tag: 'success' | 'danger' | 'warning' | 'info' }> = {
  pending: { label: '待送达', tag: 'warning' },
  dead: { label: '送达失败', tag: 'danger' },
  delivered: { label: '已送达', tag: 'success' },
}
export const OUTBOX_FILTERS: { value: OutboxFilter; label: string }[] = [
  { value: '', label: '未送达' },
  { value: 'pending', label: '待送达' },
  { value: 'dead', label: '送达失败' },
  { value: 'delivered', label: '已送达' },
]

/** A service's instant (ISO 8601 with offset) as a local date and time, `2025-10-01 09:00:00`: in
 * `timeZone` (a duty's, in which its schedule reads) or else the browser's own. */
export function formatTime(instant: string | null | undefined, timeZone?: string): string {
  if (!instant) return '—'
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

/** A run's summary (`{"closed_demands": 3}`) as one line, `closed_demands 3 · …`; '' when empty. */
export function formatSummary(summary: Record<string, unknown> | null | undefined): string {
  return Object.entries(summary ?? {})
    .map(([key, value]) => `${key} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(' · ')
}

/** The answer to 立即运行, as the screen shows it. */
export function describeRun(job: string, run: JobRun): { type: 'success' | 'error' | 'info' | 'warning'; text: string } {
  const outcome = OUTCOME[run.outcome]
  const detail = run.outcome === 'failed' ? run.error ?? '' : formatSummary(run.summary)
  const text = `${job}:${outcome.label}${detail ? `(${detail})` : ''}`
  const type = run.outcome === 'ok' ? 'success' : run.outcome === 'failed' ? 'error' : run.outcome === 'running' ? 'warning' : 'info'
  return { type, text }
}
