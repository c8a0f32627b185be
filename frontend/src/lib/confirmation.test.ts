import { describe, expect, it } from 'vitest'
import { createConfirmation, createSubmission, newIdempotencyKey } from './confirmation'

describe('a payment confirmation', () => {
  it('makes a fresh key per confirmation', () => {
    expect(createConfirmation().key).not.toBe(createConfirmation().key)
    expect(newIdempotencyKey()).toMatch(/^[\x21-\x7e]{16,255}$/)
  })

  it('sends once when confirmed twice at the same time, and both clicks get the answer', async () => {
    const confirmation = createConfirmation<string>('key-1')
    const sent: string[] = []
    let release!: (v: string) => void
    const send = (key: string) => {
      sent.push(key)
      return new Promise<string>((resolve) => (release = resolve))
    }
    const first = confirmation.submit(send)
    const second = confirmation.submit(send)
    expect(confirmation.pending).toBe(true)
    release('paid')
    expect(await first).toBe('paid')
    expect(await second).toBe('paid')
    expect(sent).toEqual(['key-1'])
  })

  it('retries after a failure with the same key, so the server can replay instead of paying again', async () => {
    const confirmation = createConfirmation<string>()
    const keys: string[] = []
    await expect(
      confirmation.submit(async (key) => {
        keys.push(key)
        throw new Error('network')
      }),
    ).rejects.toThrow('network')
    await confirmation.submit(async (key) => {
      keys.push(key)
      return 'ok'
    })
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(keys[1])
  })
})

describe('a create form', () => {
  it('keeps its key through retries of one submission and takes a new one after a success', async () => {
    const submission = createSubmission<string>()
    const keys: string[] = []
    await expect(
      submission.submit(async (key) => {
        keys.push(key)
        throw new Error('timeout')
      }),
    ).rejects.toThrow('timeout')
    await submission.submit(async (key) => {
      keys.push(key)
      return 'created'
    })
    await submission.submit(async (key) => {
      keys.push(key)
      return 'created again'
    })
    expect(keys[1]).toBe(keys[0])
    expect(keys[2]).not.toBe(keys[1])
    expect(submission.key).not.toBe(keys[2])
  })

  it('joins a double click to the request in flight', async () => {
    const submission = createSubmission<string>()
    let sent = 0
    let release!: (v: string) => void
    const send = () => {
      sent += 1
      return new Promise<string>((resolve) => (release = resolve))
    }
    const first = submission.submit(send)
    const second = submission.submit(send)
    release('created')
    expect([await first, await second]).toEqual(['created', 'created'])
    expect(sent).toBe(1)
  })
})
