// One confirmation of a payment (or of any form that creates): its Idempotency-Key is made once when
// the confirmation opens and sent with every attempt of that confirmation, so a double click (or a
// retry after a lost answer) pays or creates once. While a request is in flight a second click joins
// it instead of sending again. The server replays the first answer to a retried key, refuses the key
// for another body, and does not keep the key of an attempt that failed.

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

export interface Submission<T> {
  readonly key: string
  readonly pending: boolean
  /** Sends with the current key; after a success the next submission gets a new one. */
  submit(send: (key: string) => Promise<T>): Promise<T>
}

/** A create form's confirmations, one after another: the key of a submission is kept through its
 * retries (a lost answer, a refused attempt corrected and sent again) and renewed once it succeeds,
 * so the next thing the form creates is new. */
export function createSubmission<T>(): Submission<T> {
  let current = createConfirmation<T>()
  return {
    get key() {
      return current.key
    },
    get pending() {
      return current.pending
    },
    async submit(send) {
      const confirmation = current
      const result = await confirmation.submit(send)
      if (current === confirmation) current = createConfirmation<T>()
      return result
    },
  }
}
