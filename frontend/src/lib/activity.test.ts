import { describe, expect, it, vi } from 'vitest'
import { createRefresher } from './activity'

describe('createRefresher', () => {
  it('refreshes on activity at most once per interval', async () => {
    let clock = 0
    const refresh = vi.fn(async () => {})
    const refresher = createRefresher(refresh, { interval: 300, now: () => clock })
    await refresher.touch()
    expect(refresh).not.toHaveBeenCalled() // the token is fresh
    clock = 299
    await refresher.touch()
    expect(refresh).not.toHaveBeenCalled()
    clock = 300
    await refresher.touch()
    expect(refresh).toHaveBeenCalledTimes(1)
    clock = 500
    await refresher.touch()
    expect(refresh).toHaveBeenCalledTimes(1)
    clock = 601
    await refresher.touch()
    expect(refresh).toHaveBeenCalledTimes(2)
  })

  it('sends one request for activity during a refresh, and survives a failure', async () => {
    let clock = 1000
    let release: () => void = () => {}
    const refresh = vi.fn(() => new Promise<void>((resolve, reject) => (release = () => reject(new Error('offline')))))
    const refresher = createRefresher(refresh, { interval: 300, now: () => clock })
    clock = 1400
    const first = refresher.touch()
    const second = refresher.touch()
    expect(refresh).toHaveBeenCalledTimes(1)
    release()
    await Promise.all([first, second])
    clock = 1800
    refresh.mockImplementation(async () => {})
    await refresher.touch()
    expect(refresh).toHaveBeenCalledTimes(2)
  })

  it('starts counting again from a sign-in', async () => {
    let clock = 0
    const refresh = vi.fn(async () => {})
    const refresher = createRefresher(refresh, { interval: 300, now: () => clock })
    clock = 1000
    refresher.reset()
    clock = 1200
    await refresher.touch()
    expect(refresh).not.toHaveBeenCalled()
  })
})
