// The loading / error / page state of every call a screen makes, written once.
import { computed, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef, type WritableComputedRef } from 'vue'
import { ProblemError, errorMessage, fieldErrors, type Problem } from '../lib/problem'

export interface LoaderOptions {
  /** The Chinese line for a failure; by default the problem's summary (or 无法连接服务). */
  describe?: (error: unknown) => string
}

export interface Loader<T, A extends unknown[]> {
  /** The last answer; cleared when the last call failed. */
  data: Ref<T | undefined>
  loading: Ref<boolean>
  /** The failure of the last call as one Chinese line, '' when it succeeded. */
  error: Ref<string>
  /** Its problem+json, for a screen that tells a 403 from a 404. */
  problem: ShallowRef<Problem | undefined>
  /** Its field errors keyed by form path (`figures.staff`), for the fields of a form. */
  fieldErrors: Ref<Record<string, string>>
  /** Runs the call; the answer, or undefined when it failed or a later call overtook it. */
  load: (...args: A) => Promise<T | undefined>
}

/**
 * Wraps a call to a service: `loading` while it runs, `error` (Chinese, from the problem+json) when it
 * fails. Calls may overlap (a filter changed twice quickly): only the latest one's answer is kept.
 */
export function useLoader<T, A extends unknown[] = []>(call: (...args: A) => Promise<T>, options: LoaderOptions = {}): Loader<T, A> {
  const describe = options.describe ?? ((e: unknown) => errorMessage(e))
  // Deep, so a row changed in place (a candidate moved) shows at once.
  const data = ref<T>() as Ref<T | undefined>
  const loading = ref(false)
  const error = ref('')
  const problem = shallowRef<Problem>()
  const errors = ref<Record<string, string>>({})
  let latest = 0

  async function load(...args: A): Promise<T | undefined> {
    const seq = ++latest
    loading.value = true
    error.value = ''
    problem.value = undefined
    errors.value = {}
    try {
      const answer = await call(...args)
      if (seq !== latest) return undefined
      data.value = answer
      return answer
    } catch (e) {
      if (seq !== latest) return undefined
      data.value = undefined
      problem.value = e instanceof ProblemError ? e.problem : undefined
      errors.value = fieldErrors(problem.value)
      error.value = describe(e)
      return undefined
    } finally {
      if (seq === latest) loading.value = false
    }
  }

  return { data, loading, error, problem, fieldErrors: errors, load }
}

export interface PageRequest {
  limit: number
  offset: number
}

export interface PagedList<T> extends Omit<Loader<{ items: T[]; total: number }, []>, 'data'> {
  items: ComputedRef<T[]>
  total: ComputedRef<number>
  /** The current page, from 1; setting it fetches that page (bind it to the pager). */
  page: WritableComputedRef<number>
  pageSize: number
  /** Back to the first page (a filter changed) and fetch it. */
  reload: () => Promise<unknown>
}

/** A list the service pages (`limit`/`offset`, answering `{items, total}`), shown a page at a time. */
export function usePagedList<T>(
  fetchPage: (request: PageRequest) => Promise<{ items: T[]; total: number }>,
  { pageSize = 20, ...options }: LoaderOptions & { pageSize?: number } = {},
): PagedList<T> {
  const current = ref(1)
  const { data, ...state } = useLoader(() => fetchPage({ limit: pageSize, offset: (current.value - 1) * pageSize }), options)
  const page = computed({
    get: () => current.value,
    set: (value: number) => {
      current.value = value
      state.load()
    },
  })
  return {
    ...state,
    items: computed(() => data.value?.items ?? []),
    total: computed(() => data.value?.total ?? 0),
    page,
    pageSize,
    reload: () => {
      current.value = 1
      return state.load()
    },
  }
}
