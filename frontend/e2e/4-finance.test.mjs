import { test } from 'node:test'
import assert from 'node:assert/strict'
import { API, api, login, screenshot, token, useBrowser } from './helpers.mjs'

const browser = useBrowser()

test('finance staff disburse once even when the confirm button is clicked twice', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  await page.goto(page.url().replace(/\/dashboard$/, '/finance'))
  const table = page.locator('[data-test="awards"]')
  const row = table.locator('.el-table__row', { has: page.locator('[data-test="disburse"]') }).first()
  await row.waitFor()
  const awardId = Number((await row.locator('td').first().textContent()).trim())
  const before = await api('funding', `/api/v1/disbursements?award_id=${awardId}&limit=100`)
  await screenshot(page, 'finance-awards')

  await row.locator('[data-test="disburse"]').click()
  await page.locator('input[name="amount"]').fill('1.00')
  await page.locator('input[name="reference"]').fill('E2E-TEST')
  await page.locator('[data-test="to-confirm"]').click()
  const confirm = page.locator('[data-test="confirm-pay"]')
  await confirm.waitFor()
  await screenshot(page, 'finance-confirm')
  const posts = []
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/disbursements')) posts.push(request.headers()['idempotency-key'])
  })
  // Two clicks in the same instant, before the button can disable itself.
  await confirm.evaluate((button) => {
    button.click()
    button.click()
  })
  await page.locator('[data-test="last-paid"]').waitFor()

  const afterPay = await api('funding', `/api/v1/disbursements?award_id=${awardId}&limit=100`)
  const created = afterPay.items.filter((d) => !before.items.some((b) => b.id === d.id))
  assert.equal(created.length, 1, 'exactly one disbursement')
  assert.equal(created[0].amount, '1.00')
  assert.equal(posts.length, 1, 'one request left the browser')
  assert.ok(posts[0], 'it carried an Idempotency-Key')
  assert.equal(created[0].idempotency_key, posts[0])
  // A retry of that confirmation (same key, same body, e.g. after a lost answer) is replayed, not paid again.
  const replay = await fetch(`${API.funding}/api/v1/awards/${awardId}/disbursements`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await token('admin')}`, 'Content-Type': 'application/json', 'Idempotency-Key': posts[0] },
    body: JSON.stringify({ amount: '1.00', reference: 'E2E-TEST', note: '' }),
  })
  assert.equal((await replay.json()).id, created[0].id)
  const afterReplay = await api('funding', `/api/v1/disbursements?award_id=${awardId}&limit=100`)
  assert.equal(afterReplay.total, afterPay.total)
  await screenshot(page, 'finance-paid')

  await page.getByRole('tab', { name: '分户账' }).click()
  await page.locator('[data-test="ledger"] .el-table__row').first().waitFor()
  await screenshot(page, 'finance-ledger')
  await page.getByRole('tab', { name: '对账' }).click()
  await page.locator('[data-test="reconciliation"]').waitFor()
  assert.match(await page.locator('[data-test="reconciliation"]').textContent(), /对账通过/)
  await screenshot(page, 'finance-reconciliation')

  // Leave the demo as it was: reverse the test payment (the outstanding total is asserted elsewhere).
  await api('funding', `/api/v1/disbursements/${created[0].id}/reversal`, { method: 'POST', body: { reason: '浏览器测试的冲正' } })
  await page.context().close()
})

test('the checker rejects an award with the reason typed, and the reason is shown', async () => {
  // A pending award of its own (a rejected one is never payable, so the outstanding total stays).
  const [program] = (await api('funding', '/api/v1/programs?limit=1')).items
  const credit = '91420281MA0000001H'
  const award = await api('funding', '/api/v1/awards', {
    method: 'POST',
    body: { program_id: program.id, credit_code: credit, mode: 'application', amount: '1000.00', application_no: `E2E-${Date.now()}`, note: '浏览器测试:驳回' },
  })
  const page = await browser.page()
  await login(page, 'admin')
  await page.goto(page.url().replace(/\/dashboard$/, '/finance'))
  await page.locator('[data-test="award-status"]').click()
  await page.locator('.el-select-dropdown__item', { hasText: '待审核' }).click()
  await page.locator('input[name="award_credit_code"]').fill(credit)
  await page.locator('input[name="award_credit_code"]').press('Enter')
  const row = page.locator('[data-test="awards"] .el-table__row', { has: page.locator('td:first-child', { hasText: new RegExp(`^${award.id}$`) }) })
  await row.locator('[data-test="reject"]').click()

  // The reason is required: nothing is sent without one.
  const dialog = page.locator('.el-dialog', { hasText: '驳回奖补' })
  await dialog.locator('[data-test="confirm-reject"]').click()
  await dialog.locator('.el-form-item__error', { hasText: '请填写驳回理由' }).waitFor()
  const reason = `申请材料不全,缺少研发费用专项审计报告(${award.id})`
  await dialog.locator('textarea[name="reason"]').fill(reason)
  await screenshot(page, 'finance-rejection')
  await dialog.locator('[data-test="confirm-reject"]').click()

  await row.locator('[data-test="rejection-reason"]').waitFor()
  assert.equal((await row.locator('[data-test="rejection-reason"]').textContent()).trim(), `理由:${reason}`)
  assert.equal((await row.locator('[data-test="award-status-label"]').textContent()).trim(), '已驳回')
  const rejected = await api('funding', `/api/v1/awards/${award.id}`)
  assert.equal(rejected.status, 'rejected')
  assert.equal(rejected.decision_note, reason)
  await screenshot(page, 'finance-rejected')
  await page.context().close()
})
