import { describe, expect, it } from 'vitest'
import { auditQuery, emptyFilters, exportUrl, fieldChanges, mergeTrails, type AuditEvent, type SourceState } from './audit'

const event = (id: number, service: string, occurred_at: string) => ({ id, service, occurred_at }) as unknown as AuditEvent

describe('mergeTrails', () => {
  it('shows the services’ events as one list, newest first', () => {
    const sources: SourceState[] = [
      { key: 'indicator', items: [event(2, 'indicator', '2026-12-01T10:00:00Z'), event(1, 'indicator', '2026-12-01T08:00:00Z')], total: 2, next: null, error: '' },
      { key: 'funding', items: [event(7, 'funding-api', '2026-12-01T09:00:00Z')], total: 1, next: null, error: '' },
    ]
    const { shown, held } = mergeTrails(sources)
    expect(shown.map((e) => `${e.service}-${e.id}`)).toEqual(['indicator-2', 'funding-7', 'indicator-1'])
    expect(held).toBe(0)
  })

  it('holds back what is older than the oldest event read from a service that has more', () => {
    const sources: SourceState[] = [
      { key: 'indicator', items: [event(5, 'indicator', '2026-12-01T10:00:00Z'), event(4, 'indicator', '2026-12-01T09:30:00Z')], total: 9, next: 'c1', error: '' },
      { key: 'matching', items: [event(3, 'matching', '2026-12-01T09:45:00Z'), event(2, 'matching', '2026-12-01T07:00:00Z')], total: 2, next: null, error: '' },
    ]
    const { shown, held } = mergeTrails(sources)
    // indicator's next page may hold events between 09:30 and 07:00: matching's 07:00 waits for it.
    expect(shown.map((e) => e.id)).toEqual([5, 3, 4])
    expect(held).toBe(1)
  })
})

describe('auditQuery and exportUrl', () => {
  it('leaves out empty filters and sends the time bounds as instants', () => {
    const filters = { ...emptyFilters(), actor: ' admin ', outcome: 'failure' as const, since: '2026-12-01T09:30' }
    const query = auditQuery(filters)
    expect(query).toEqual({ actor: 'admin', outcome: 'failure', since: new Date('2026-12-01T09:30').toISOString() })
    expect(exportUrl('matching', { ...emptyFilters(), action: 'sign_in' })).toBe('/api/matching/api/v1/exports/audit.xlsx?action=sign_in')
    expect(exportUrl('funding', emptyFilters())).toBe('/api/funding/api/v1/exports/audit.xlsx')
  })
})

describe('fieldChanges', () => {
  it('lists the changed fields first with their values before and after', () => {
    const rows = fieldChanges({ before: { status: 'open', title: 'A' }, after: { status: 'closed', title: 'A', closed_at: null }, changed: ['status', 'closed_at'] })
    expect(rows).toEqual([
      { field: 'status', before: 'open', after: 'closed', changed: true },
      { field: 'closed_at', before: '', after: '—', changed: true },
      { field: 'title', before: 'A', after: 'A', changed: false },
    ])
    expect(fieldChanges({ before: null, after: null, changed: [] })).toEqual([])
  })
})
