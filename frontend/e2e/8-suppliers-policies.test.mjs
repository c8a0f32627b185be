// Issue 18's screens: a supplier's workbench and the hall of demands, a township's prospects and
// coaching visits, an enterprise's policies, the bureau's outreach coverage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE_URL, api, login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()

test('a supplier lands on its workbench, answers a demand of the hall and follows the docking', async () => {
  const page = await browser.page()
  await login(page, 'hbpu')
  assert.match(page.url(), /\/supplier$/)
  await page.getByRole('heading', { name: /供给方工作台/ }).waitFor()

  // The hall lists open demands, anonymous, filtered by the fields of hbpu's own supplies.
  const hall = page.locator('[data-test="hall"]')
  await hall.locator('.el-table__row').first().waitFor()
  assert.match(await page.locator('[data-test="hall-fields"]').textContent(), /按领域:.+/)
  assert.doesNotMatch(await hall.textContent(), /91420281/, 'no credit code in the hall')
  await screenshot(page, 'supplier-hall')

  const row = hall.locator('.el-table__row').filter({ has: page.locator('[data-test="respond"]') }).first()
  const title = (await row.locator('strong').first().textContent()).trim()
  await row.locator('[data-test="respond"]').click()
  const dialog = page.locator('.el-dialog', { has: page.locator('[data-test="respond-form"]') })
  await dialog.locator('textarea[name="message"]').fill('我校团队可在两周内赴厂诊断,并提供工艺优化方案。')
  await screenshot(page, 'supplier-respond')
  await dialog.locator('[data-test="send-response"]').click()
  await hall.locator('.el-table__row', { hasText: title }).locator('[data-test="responded"]').waitFor()

  // The docking it opened, from the supplier's side, as the service records it.
  const mine = await api('matching', '/api/v1/matches?mine=true&limit=100', { as: 'hbpu' })
  const docking = mine.items.find((m) => m.demand.title === title)
  assert.ok(docking, 'the response is a docking of hbpu')
  assert.equal(docking.origin, 'supplier')
  assert.equal(docking.status, 'proposed')

  await page.getByRole('tab', { name: '我的对接' }).click()
  const dockings = page.locator('[data-test="dockings"]')
  const line = dockings.locator('.el-table__row', { hasText: title }).first()
  await line.waitFor()
  assert.match(await line.textContent(), /揭榜应答/)
  assert.match(await line.locator('[data-test="docking-status"]').textContent(), /待对接/)

  await page.getByRole('tab', { name: '我的供给' }).click()
  await page.locator('[data-test="supplies"] .el-table__row').first().waitFor()
  assert.match(await page.locator('[data-test="supplies"]').textContent(), /湖北理工学院/)
  await screenshot(page, 'supplier-supplies')
  await page.context().close()
})

test('a township opens its prospects with their shortfalls, records a visit and an outreach', async () => {
  const page = await browser.page()
  await login(page, '420281101')
  await page.locator('nav').getByText('培育对象').click()
  await page.waitForURL(/\/prospects\/420281101$/)
  const prospects = page.locator('[data-test="prospects"]')
  await prospects.locator('.el-table__row').first().waitFor()
  // Closest first, each with what it still lacks.
  assert.match(await prospects.locator('[data-test="shortfalls"] li').first().textContent(), /要求.+现为.+/)
  await screenshot(page, 'township-prospects')

  const first = prospects.locator('.el-table__row').first()
  const name = (await first.locator('td').first().locator('div').first().textContent()).trim()
  await first.locator('[data-test="visit"]').click()
  const visit = page.locator('.el-dialog', { has: page.locator('[data-test="visit-form"]') })
  await visit.locator('textarea[name="advice"]').fill('规范研发费用归集,年内申请 2 项实用新型专利')
  await visit.locator('[data-test="record-visit"]').click()
  await visit.waitFor({ state: 'hidden' })
  await page.getByRole('tab', { name: '走访记录' }).click()
  await page.locator('[data-test="visits"] .el-table__row', { hasText: name }).first().waitFor()
  // The visit (dated the report day by default) counts in the year's funnel.
  const funnel = page.locator('[data-test="visit-funnel"] .n').first()
  await page.waitForFunction((el) => Number(el.textContent) >= 1, await funnel.elementHandle())
  await screenshot(page, 'township-visits')

  // From a prospect to what it can get, and the office tells it (policy outreach).
  await page.getByRole('tab', { name: '培育对象' }).click()
  await first.getByText('可享政策').click()
  await page.waitForURL(/\/enterprise\/policies\?credit_code=/)
  await page.locator('[data-test="policy-item"]').first().waitFor()
  await page.locator('[data-test="new-outreach"]').click()
  const outreach = page.locator('.el-dialog', { has: page.locator('[data-test="outreach-form"]') })
  await outreach.locator('textarea[name="note"]').fill('上门讲解入库奖励')
  await outreach.locator('[data-test="record-outreach"]').click()
  await outreach.waitFor({ state: 'hidden' })
  // The visit's own '已记录' may still be on the screen: what was written is read back instead.
  const code = new URL(page.url()).searchParams.get('credit_code')
  const recorded = await api('indicator', `/api/v1/enterprises/${code}/outreach`)
  assert.ok(recorded.items.some((item) => item.note === '上门讲解入库奖励'), JSON.stringify(recorded.items))
  await page.context().close()
})

test('an enterprise opens the policies it can get, with what it lacks for the next ones', async () => {
  const page = await browser.page()
  await login(page, '91420281MA0000001H')
  await page.locator('nav').getByText('我能享受的政策').click()
  await page.waitForURL(/\/enterprise\/policies$/)
  await page.locator('[data-test="policy-item"]').first().waitFor()
  assert.match(await page.locator('[data-test="policies-summary"]').textContent(), /现在即可获得 \d+ 项/)
  const sections = await page.locator('[data-test="policy-section"] .el-card__header').allTextContents()
  assert.ok(sections.length >= 1)
  for (const header of sections) assert.match(header, /^(现在即可获得|差少数条件|已享受|暂不符合)[((]\d+[))]$/)
  // The service's answer, shown in full: as many items on the screen as it lists.
  const code = (await api('indicator', '/api/v1/auth/me', { as: '91420281MA0000001H' })).credit_code
  const answer = await api('indicator', `/api/v1/enterprises/${code}/policies`, { as: '91420281MA0000001H' })
  assert.equal(await page.locator('[data-test="policy-item"]').count(), answer.items.length)
  await screenshot(page, 'enterprise-policies')
  await page.context().close()
})

test('the bureau reads outreach coverage per township', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  await page.goto(`${BASE_URL}/finance`)
  await page.getByRole('tab', { name: '政策触达' }).click()
  const table = page.locator('[data-test="coverage"]')
  await table.locator('.el-table__row').first().waitFor()
  const coverage = await api('indicator', '/api/v1/outreach/coverage')
  assert.equal(await table.locator('.el-table__row').count(), coverage.items.length)
  assert.match(await page.locator('[data-test="coverage-city"]').textContent(), /覆盖率/)
  await screenshot(page, 'finance-outreach-coverage')
  await page.context().close()
})
