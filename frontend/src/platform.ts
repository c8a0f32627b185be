// What the server says every screen opens at: whose platform this is (the city) and which period
// (the year and the as-of day). Asked once per page load and shared; the screens never write these.
import { shallowRef } from 'vue'
import { indicatorApi, unwrap, type IndicatorSchemas } from './api'

export type PlatformFacts = IndicatorSchemas['PlatformFacts']

const facts = shallowRef<PlatformFacts>()
let pending: Promise<PlatformFacts> | undefined

/** GET /api/v1/platform, once; a failure is not cached, so the next call asks again. */
export function loadPlatform(): Promise<PlatformFacts> {
  if (!pending) {
    pending = indicatorApi.GET('/api/v1/platform').then((result) => (facts.value = unwrap(result)))
    pending.catch(() => (pending = undefined))
  }
  return pending
}

/** The facts, reactive (undefined until loaded). */
export const platform = facts

/** The facts for a screen shown only after they loaded (App renders the screens then). */
export function platformFacts(): PlatformFacts {
  if (!facts.value) throw new Error('platform facts are read before GET /api/v1/platform answered')
  return facts.value
}
