// One confirmation of a payment: its Idempotency-Key is made once when the confirmation opens and
// sent with every attempt of that confirmation, so a double click (or a retry after a lost answer)
// pays once. While a request is in flight a second click joins it instead of sending again.

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface Confirmation<T> {
  readonly key: string
  /** Sends with this confirmation's key; concurrent calls share one request. */
  submit(send: (key: string) => Promise<T>): Promise<T>
  readonly pending: boolean
}

export function createConfirmation<T>(key: string = newIdempotencyKey()): Confirmation<T> {
  let inFlight: Promise<T> | null = null
  return {
    key,
    get pending() {
      return inFlight !== null
    },
    submit(send) {
      if (inFlight) return inFlight
      inFlight = send(key).finally(() => {
        inFlight = null
      })
      return inFlight
    },
  }
}
