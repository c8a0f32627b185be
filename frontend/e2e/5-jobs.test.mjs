import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()
const SERVICES = ['indicator', 'matching', 'funding']

test('the admin sees every service duties with their runs, runs one now and sees the new run', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  await page.getByRole('link', { name: '调度任务' }).click()
  await page.waitForURL(/\/jobs$/)

  // Each service card lists exactly the duties its service declares, each with its last run.
  for (const service of SERVICES) {
    const { items: jobs } = await api(service, '/api/v1/jobs')
    assert.ok(jobs.length >= 1, `${service} declares its duties`)
    const card = page.locator(`[data-test="service-jobs"][data-service="${service}"]`)
    await card.locator('[data-test="job-name"]').first().waitFor()
    const names = (await card.locator('[data-test="job-name"]').allTextContents()).map((name) => name.trim())
    assert.deepEqual(names, jobs.map((job) => job.name))
    const runs = await card.locator('[data-test="last-run"]').allTextContents()
    jobs.forEach((job, i) => {
      if (!job.last_run) assert.equal(runs[i].trim(), '尚未执行')
      else assert.match(runs[i], { ok: /成功/, failed: /失败/, skipped: /跳过/, running: /执行中/ }[job.last_run.outcome])
    })
  }
  // The demo has run its duties on their own (caught up at start): some run is shown.
  assert.ok((await page.locator('[data-test="last-run"] [data-test="outcome"]').count()) >= 1)
  await screenshot(page, 'jobs')

  // 立即运行 on matching-api's publication, confirmed in the box: the answer and the new last run show.
  const before = new Date()
  const card = page.locator('[data-test="service-jobs"][data-service="matching"]')
  const row = card.locator('.el-table__row', { hasText: 'publish-match-stats' })
  await row.locator('[data-test="run-now"]').click()
  const box = page.locator('.el-message-box', { hasText: 'publish-match-stats' })
  await box.waitFor()
  await screenshot(page, 'jobs-confirm')
  await box.getByRole('button', { name: '立即运行' }).click()
  const answer = card.locator('[data-test="run-answer"]')
  await answer.waitFor()
  assert.match(await answer.textContent(), /publish-match-stats:成功/)
  await row.locator('[data-test="last-run"]', { hasText: '手动 · admin' }).waitFor()

  const { items: after } = await api('matching', '/api/v1/jobs')
  const run = after.find((job) => job.name === 'publish-match-stats').last_run
  assert.equal(run.trigger, 'manual')
  assert.equal(run.requested_by, 'admin')
  assert.equal(run.outcome, 'ok')
  assert.ok(new Date(run.started_at) >= new Date(before.getTime() - 1000), 'the run shown is the one just made')
  assert.match(run.occurrence, /^manual:/)
  await screenshot(page, 'jobs-ran')

  // The outbox of each service: what is not yet delivered, as the service counts it (once the
  // dispatchers have delivered what the run just published, so the counts hold still).
  const totals = await settledOutboxes()
  await page.getByRole('tab', { name: '发件箱' }).click()
  for (const service of SERVICES) {
    const total = totals[service]
    const outbox = page.locator(`[data-test="service-outbox"][data-service="${service}"]`)
    await outbox.locator('[data-test="outbox-total"]', { hasText: `共 ${total} 条` }).waitFor()
  }
  // The publication just run went out through matching-api's outbox; delivered events are listed too.
  const matching = page.locator('[data-test="service-outbox"][data-service="matching"]')
  await matching.getByText('已送达').click()
  const { total: delivered } = await api('matching', '/api/v1/outbox?state=delivered')
  assert.ok(delivered >= 1)
  await matching.locator('[data-test="outbox-total"]', { hasText: `共 ${delivered} 条` }).waitFor()
  assert.equal((await matching.locator('[data-test="event-state"]').first().textContent()).trim(), '已送达')
  await screenshot(page, 'jobs-outbox')
  await page.context().close()
})

/** Each service's count of undelivered events, once two readings a second apart agree (at most 30 s). */
async function settledOutboxes() {
  const read = async () => Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, (await api(s, '/api/v1/outbox')).total])))
  let last = await read()
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    const now = await read()
    if (JSON.stringify(now) === JSON.stringify(last)) return now
    last = now
  }
  throw new Error(`the outboxes did not settle: ${JSON.stringify(last)}`)
}
