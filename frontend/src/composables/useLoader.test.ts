import { describe, expect, it } from 'vitest'
import { useLoader, usePagedList } from './useLoader'
import { ProblemError } from '../lib/problem'

/** A call whose answer the test releases. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('useLoader', () => {
  it('is loading while the call runs and keeps its answer', async () => {
    const call = deferred<string>()
    const loader = useLoader(() => call.promise)
    const running = loader.load()
    expect(loader.loading.value).toBe(true)
    call.resolve('answer')
    expect(await running).toBe('answer')
    expect(loader.loading.value).toBe(false)
    expect(loader.data.value).toBe('answer')
    expect(loader.error.value).toBe('')
  })

  it('turns a problem+json into its Chinese summary and field errors, and clears them on the next call', async () => {
    let fail = true
    const loader = useLoader(async () => {
      if (fail)
        throw new ProblemError({
          status: 422,
          title: '请求参数有误',
          errors: [{ field: 'body.reason', rule: 'string_too_short', message: 'String should have at least 2 characters' }],
        })
      return 1
    })
    expect(await loader.load()).toBeUndefined()
    expect(loader.loading.value).toBe(false)
    expect(loader.error.value).toBe('请求参数有误')
    expect(loader.problem.value?.status).toBe(422)
    expect(loader.fieldErrors.value).toEqual({ reason: '至少 2 个字' })
    fail = false
    await loader.load()
    expect(loader.error.value).toBe('')
    expect(loader.fieldErrors.value).toEqual({})
    expect(loader.data.value).toBe(1)
  })

  it('says the service is unreachable when the call fails without a problem, or what `describe` says', async () => {
    const offline = useLoader(() => Promise.reject(new TypeError('Failed to fetch')))
    await offline.load()
    expect(offline.error.value).toBe('无法连接服务')
    expect(offline.data.value).toBeUndefined()
    const forbidden = useLoader(() => Promise.reject(new ProblemError({ status: 403, title: 'Forbidden' })), {
      describe: (e) => (e instanceof ProblemError && e.problem.status === 403 ? '无权查看' : '其他'),
    })
    await forbidden.load()
    expect(forbidden.error.value).toBe('无权查看')
  })

  it('keeps only the latest answer when calls overlap', async () => {
    const first = deferred<string>()
    const second = deferred<string>()
    const calls = [first, second]
    const loader = useLoader(() => calls.shift()!.promise)
    const older = loader.load()
    const newer = loader.load()
    second.resolve('new')
    await newer
    first.resolve('old')
    expect(await older).toBeUndefined()
    expect(loader.data.value).toBe('new')
    expect(loader.loading.value).toBe(false)
  })

  it('stays loading until the latest call ends, even when an older one ends first', async () => {
    const first = deferred<string>()
    const second = deferred<string>()
    const calls = [first, second]
    const loader = useLoader(() => calls.shift()!.promise)
    loader.load()
    const newer = loader.load()
    first.reject(new ProblemError({ status: 500 }))
    await Promise.resolve()
    expect(loader.loading.value).toBe(true)
    expect(loader.error.value).toBe('')
    second.resolve('new')
    await newer
    expect(loader.loading.value).toBe(false)
  })
})

describe('usePagedList', () => {
  const rows = Array.from({ length: 45 }, (_, i) => i + 1)
  function listOfRows() {
    const requests: { limit: number; offset: number }[] = []
    const list = usePagedList<number>(
      async (request) => {
        requests.push(request)
        return { items: rows.slice(request.offset, request.offset + request.limit), total: rows.length }
      },
      { pageSize: 20 },
    )
    return { list, requests }
  }

  it('fetches the first page, then the page the pager is set to', async () => {
    const { list, requests } = listOfRows()
    await list.reload()
    expect(list.items.value).toEqual(rows.slice(0, 20))
    expect(list.total.value).toBe(45)
    list.page.value = 3
    await Promise.resolve()
    await Promise.resolve()
    expect(requests).toEqual([
      { limit: 20, offset: 0 },
      { limit: 20, offset: 40 },
    ])
    expect(list.items.value).toEqual([41, 42, 43, 44, 45])
    expect(list.page.value).toBe(3)
  })

  it('goes back to the first page on reload (a filter changed)', async () => {
    const { list, requests } = listOfRows()
    list.page.value = 2
    await list.reload()
    expect(list.page.value).toBe(1)
    expect(requests.at(-1)).toEqual({ limit: 20, offset: 0 })
    expect(list.items.value[0]).toBe(1)
  })

  it('shows no rows and the error when a page fails', async () => {
    let fail = false
    const list = usePagedList<number>(async () => {
      if (fail) throw new ProblemError({ status: 403, title: '无权执行此操作' })
      return { items: [1, 2], total: 2 }
    })
    await list.reload()
    expect(list.items.value).toEqual([1, 2])
    fail = true
    await list.reload()
    expect(list.error.value).toBe('无权执行此操作')
    expect(list.items.value).toEqual([])
    expect(list.total.value).toBe(0)
  })
})
