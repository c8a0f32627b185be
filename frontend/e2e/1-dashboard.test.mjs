import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { API, login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()

test('admin sees the technology contract card at 73.5%, behind, and the outstanding funds', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  assert.match(page.url(), /\/dashboard$/)
  const card = page.locator('[data-indicator="tech_contract_turnover"]')
  await card.waitFor()
  assert.match(await card.textContent(), /技术合同成交额/)
  assert.equal((await card.locator('[data-test="completion"]').textContent()).trim(), '完成 73.5%')
  assert.equal((await card.locator('[data-test="status"]').textContent()).trim(), '滞后')
  assert.match(await card.locator('[data-test="actual"]').textContent(), /34\.25亿元/)
  // The time marker sits at 75% of the bar, past the 73.5% fill.
  assert.equal(await card.locator('[data-test="marker"]').evaluate((el) => el.style.left), '75%')
  // Laggards first: the first card is behind.
  assert.equal((await page.locator('.indicator-card').first().locator('[data-test="status"]').textContent()).trim(), '滞后')

  const total = page.locator('[data-test="outstanding-total"]')
  await total.waitFor()
  assert.equal((await total.textContent()).trim(), '5506.8万元')
  await page.locator('[data-test="match-rate"]').waitFor()
  assert.equal((await page.locator('[data-test="match-rate"]').textContent()).trim(), '57.1%')
  // The period is the server's (GET /api/v1/platform), the demand statistics its year to date.
  const platform = await (await fetch(`${API.indicator}/api/v1/platform`)).json()
  assert.equal(platform.as_of, '2025-09-30', 'the demo opens at the end of the third quarter')
  assert.match(await page.locator('[data-test="as-of"]').textContent(), new RegExp(`截至 ${platform.as_of}`))
  assert.match(await page.locator('.funnel-summary').textContent(), new RegExp(`${platform.year}-01-01 至 ${platform.as_of}`))
  await page.waitForTimeout(800) // charts animate in
  await screenshot(page, 'dashboard-1366')

  // Every chart has its numbers as a table.
  const panel = page.locator('.chart-panel', { hasText: '未兑现资金(按项目)' })
  await panel.getByText('表格').click()
  await panel.locator('.el-table__row').first().waitFor()
  assert.ok((await panel.locator('.el-table__row').count()) >= 1)
  await screenshot(page, 'dashboard-tables')
  // The dashboard and the quarterly report download as Excel and Word.
  const files = [
    ['export-dashboard', '指标总览-2025-09-30.xlsx'],
    ['export-match-stats', '需求对接统计-2025-09-30.xlsx'],
    ['export-outstanding', '未兑现政策资金公示-2025-09-30.xlsx'],
    ['download-report', '季度报告-2025Q3.docx'],
  ]
  for (const [button, name] of files) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-test="${button}"]`).click()])
    assert.equal(file.suggestedFilename(), name)
    assert.equal((await readFile(await file.path())).subarray(0, 2).toString(), 'PK')
  }
  await page.context().close()
})

test('the dashboard fits a phone', async () => {
  const page = await browser.page({ width: 390, height: 844 })
  await login(page, 'admin')
  await page.locator('[data-indicator="tech_contract_turnover"]').waitFor()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`)
  await page.waitForTimeout(500)
  await screenshot(page, 'dashboard-phone')
  await page.context().close()
})
