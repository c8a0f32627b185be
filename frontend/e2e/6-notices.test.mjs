import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()
const SERVICES = ['indicator', 'matching', 'funding']

// tests/e2e/test_browser.py runs funding-api's remind-award-payments (the demo's awards are all old)
// and matching-api's publish-match-stats before these tests, in case the stack runs with duties off.

test('the admin sees the funding reminders in the notification centre, with the unread count, and follows one to its award', async () => {
  const { total: count } = await api('funding', '/api/v1/notifications?limit=1')
  assert.ok(count >= 1, 'remind-award-payments has told the bureau about the demo awards')
  // The services list oldest first: the newest 50 are the last page.
  const funding = await api('funding', `/api/v1/notifications?limit=50&offset=${Math.max(0, count - 50)}`)
  const unread = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, (await api(s, '/api/v1/notifications?unread=true&limit=1')).total])),
  )

  const page = await browser.page()
  await login(page, 'admin')
  // The header's badge counts every service's unread notices.
  const total = unread.indicator + unread.matching + unread.funding
  await page.locator('[data-test="notice-badge"] sup', { hasText: total > 99 ? '99+' : String(total) }).waitFor()

  await page.locator('[data-test="notice-bell"]').click()
  const centre = page.locator('[data-test="notice-centre"]')
  await centre.locator('[data-test="notice"][data-service="funding"]').first().waitFor()
  assert.match(await centre.locator('[data-test="notice-unread"]').textContent(), new RegExp(`未读 ${total} 条`))
  // The funding reminders are there, the newest first (the centre keeps each service's newest 50).
  const shown = await centre.locator('[data-test="notice"][data-service="funding"] [data-test="notice-title"]').allTextContents()
  const newest = [...funding.items].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
  assert.equal(shown.length, Math.min(funding.total, 50))
  assert.equal(shown[0].trim(), newest[0].title)
  assert.ok(funding.items.every((n) => ['award_payment_due_soon', 'award_payment_overdue'].includes(n.kind)))
  assert.equal(await centre.locator('[data-test="notice-failure"]').count(), 0)
  await screenshot(page, 'notices')

  // A reminder leads to its award, and is read afterwards (at funding-api too).
  const first = centre.locator('[data-test="notice"][data-service="funding"]').first()
  const target = newest[0]
  assert.ok(target.award_id, 'a payment reminder names its award')
  await first.locator('[data-test="notice-link"]').click()
  await page.waitForURL(new RegExp(`/finance\\?award=${target.award_id}$`))
  await page.locator('[data-test="award-focus"]', { hasText: `#${target.award_id}` }).waitFor()
  const rows = page.locator('[data-test="awards"] .el-table__row')
  await rows.first().waitFor()
  assert.equal(await rows.count(), 1)
  assert.equal((await rows.first().locator('td').first().textContent()).trim(), String(target.award_id))
  await screenshot(page, 'notices-award')
  // The count follows once funding-api has answered the mark.
  await page.locator('[data-test="notice-badge"] sup', { hasText: total - 1 > 99 ? '99+' : String(total - 1) }).waitFor()
  const after = await api('funding', `/api/v1/notifications?after_id=${target.id - 1}&limit=1`)
  assert.equal(after.items[0].id, target.id)
  assert.ok(after.items[0].read_at, 'following a notice marks it read')
  await page.context().close()
})

test('a service that is down is named in the centre, and the others notices still show', async () => {
  const page = await browser.page()
  await page.route('**/api/matching/api/v1/notifications**', (route) =>
    route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ status: 503, title: 'Service Unavailable', code: 'unavailable' }) }),
  )
  await login(page, 'admin')
  await page.locator('[data-test="notice-bell-warning"]').waitFor()
  await page.locator('[data-test="notice-bell"]').click()
  const centre = page.locator('[data-test="notice-centre"]')
  const failure = centre.locator('[data-test="notice-failure"]')
  await failure.waitFor()
  assert.equal(await failure.count(), 1)
  assert.equal(await failure.getAttribute('data-service'), 'matching')
  assert.match(await failure.textContent(), /供需对接服务/)
  await centre.locator('[data-test="notice"][data-service="funding"]').first().waitFor()
  assert.equal(await centre.locator('[data-test="notice"][data-service="matching"]').count(), 0)
  await screenshot(page, 'notices-service-down')
  await page.context().close()
})

test('the dashboard says when the match rate and the outstanding total were last brought up to date', async () => {
  const platform = await api('indicator', '/api/v1/platform')
  const dashboard = await api('indicator', `/api/v1/dashboard?year=${platform.year}&as_of=${platform.as_of}`)
  const byCode = Object.fromEntries(dashboard.items.map((item) => [item.indicator.code, item]))
  const posted = byCode.supply_chain_demands_posted.published
  const matched = byCode.supply_chain_demands_matched.published
  assert.ok(posted && matched, 'publish-match-stats has run and indicator-api applied it')
  assert.equal(posted.source, 'matching-api')

  const page = await browser.page()
  await login(page, 'admin')
  const rate = page.locator('[data-indicator="supply_chain_match_rate"] [data-test="published"]')
  await rate.waitFor()
  assert.match(await rate.textContent(), /更新于 \d{4}-\d{2}-\d{2} \d{2}:\d{2},来源 matching-api/)
  // The rate is as recent as the older of its two parts; the browser shows it in its own time.
  const older = Date.parse(posted.published_at) < Date.parse(matched.published_at) ? posted : matched
  const shown = await page.evaluate((instant) => {
    const d = new Date(instant)
    const pad = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  }, older.published_at)
  assert.equal((await rate.locator('[data-test="published-at"]').textContent()).trim(), shown)
  const stale = Date.now() - Date.parse(older.published_at) > 3600 * 1000
  assert.equal(await rate.getAttribute('data-stale'), String(stale))
  assert.equal(await rate.locator('[data-test="published-stale"]').count(), stale ? 1 : 0)

  const outstanding = byCode.policy_funds_outstanding?.published
  if (outstanding) {
    const card = page.locator('[data-indicator="policy_funds_outstanding"] [data-test="published"]')
    assert.match(await card.textContent(), /来源 funding-api/)
  }
  // A figure nobody publishes carries no stamp.
  assert.equal(await page.locator('[data-indicator="tech_contract_turnover"] [data-test="published"]').count(), 0)
  await screenshot(page, 'dashboard-published')
  await page.context().close()
})

test('全部已读 marks every notice the centre showed read at each service, and the count drops to zero', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  await page.locator('[data-test="notice-bell"]').click()
  const centre = page.locator('[data-test="notice-centre"]')
  await centre.locator('[data-test="notice"]').first().waitFor()
  assert.doesNotMatch(await centre.locator('[data-test="notice-unread"]').textContent(), /未读 0 条/)
  await centre.locator('[data-test="notice-mark-all"]').click()
  await centre.locator('[data-test="notice-unread"]', { hasText: '未读 0 条' }).waitFor()
  for (const service of SERVICES) {
    const { total } = await api(service, '/api/v1/notifications?unread=true&limit=1')
    assert.equal(total, 0, `${service} has no unread notice left`)
  }
  assert.equal(await centre.locator('[data-test="notice-mark-all"]').isDisabled(), true)
  await screenshot(page, 'notices-all-read')
  await page.context().close()
})
