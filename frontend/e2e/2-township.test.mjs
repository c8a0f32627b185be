import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, login, randomCreditCode, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()

async function fill(page, name, value) {
  await page.locator(`input[name="${name}"]`).fill(String(value))
}

test('a township office submits a candidate and sees its assessment', async () => {
  const page = await browser.page()
  await login(page, '420281101')
  assert.match(page.url(), /\/township\/420281101$/)
  await page.locator('[data-test="candidates"]').waitFor()
  await page.locator('[data-test="new-candidate"]').click()

  // A bad credit code comes back as problem+json and is shown, in Chinese, beside that field.
  await fill(page, 'credit_code', '91420281MA000')
  await fill(page, 'name', '金牛镇测试科技有限公司')
  await page.locator('[data-test="submit-candidate"]').click()
  const creditItem = page.locator('.el-form-item', { has: page.locator('input[name="credit_code"]') })
  await creditItem.locator('.el-form-item__error').waitFor()
  assert.match(await creditItem.locator('.el-form-item__error').textContent(), /统一社会信用代码不正确/)
  await screenshot(page, 'township-field-errors')

  const code = randomCreditCode()
  await fill(page, 'credit_code', code)
  for (const [i, v] of ['8000000', '10000000', '12000000'].entries()) await fill(page, `sales_revenue_${i}`, v)
  for (const [i, v] of ['300000', '450000', '600000'].entries()) await fill(page, `rd_spend_${i}`, v)
  await fill(page, 'total_costs', '9000000')
  await fill(page, 'total_assets', '15000000')
  await fill(page, 'high_tech_revenue', '7000000')
  // The assessment appears as the figures are typed, before anything is submitted.
  const preview = page.locator('[data-test="assessment-preview"]')
  await preview.locator('.assessment[data-program="hte"]').waitFor()
  assert.ok((await preview.locator('[data-test="condition-result"]').count()) >= 10)
  assert.match(await preview.textContent(), /研发费用/)
  await preview.scrollIntoViewIfNeeded()
  await screenshot(page, 'township-live-assessment')
  await page.locator('[data-test="submit-candidate"]').click()

  const result = page.locator('[data-test="assessment-result"]')
  await result.waitFor()
  const panels = result.locator('.assessment')
  assert.equal(await panels.count(), 2, 'one assessment per programme')
  const techSme = result.locator('.assessment[data-program="tech_sme"]')
  assert.match(await techSme.locator('[data-test="eligibility"]').textContent(), /符合条件|不符合条件/)
  assert.ok((await techSme.locator('[data-test="condition-result"]').count()) >= 5)
  assert.match(await result.textContent(), /职工总数/)
  // The new candidate is in the office's list.
  await page.locator('[data-test="candidates"]').getByText('金牛镇测试科技有限公司').first().waitFor()
  await result.scrollIntoViewIfNeeded()
  await screenshot(page, 'township-assessment')

  // Pipeline moves, exactly those the server allows a township (`allowed_moves`): from 储备 to 辅导 …
  const moves = async () => (await result.locator('[data-test="stage-moves"] button').allTextContents()).map((text) => text.trim())
  assert.deepEqual(await moves(), ['移到「辅导」', '移到「已申报」', '移到「退出」'])
  await result.getByRole('button', { name: '移到「辅导」' }).click()
  await result.locator('[data-test="submitted-stage"]', { hasText: '辅导' }).waitFor()
  await screenshot(page, 'township-moved')
  // … back to 储备, on to 已申报 or 退出; from 已申报 only 退出: 已认定 and 未通过 are the bureau's.
  assert.deepEqual(await moves(), ['移到「储备」', '移到「已申报」', '移到「退出」'])
  await result.getByRole('button', { name: '移到「已申报」' }).click()
  await result.locator('[data-test="submitted-stage"]', { hasText: '已申报' }).waitFor()
  assert.deepEqual(await moves(), ['移到「退出」'])
  const { items } = await api('indicator', `/api/v1/regions/420281101/candidates?limit=100&stage=applied`, { as: '420281101' })
  assert.deepEqual(items.find((c) => c.credit_code === code)?.allowed_moves, ['withdrawn'])
  const list = page.locator('[data-test="candidates"]')
  await list.locator('.el-table__row').first().waitFor()
  const offered = await list.locator('[data-test="stage-moves"] button').allTextContents()
  assert.ok(!offered.some((text) => /已认定|未通过/.test(text)), `a township is offered ${offered.join(' ')}`)

  // Excel: the template downloads; a file that is not a workbook is refused, each reason shown.
  const [template] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-test="candidates-template"]').click(),
  ])
  assert.equal(template.suggestedFilename(), '培育候选企业报送模板.xlsx')
  const bytes = await readFile(await template.path())
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an .xlsx is a zip')
  await page.locator('[data-test="candidates-file"]').setInputFiles({
    name: 'candidates.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('统一社会信用代码,企业名称\n'),
  })
  await page.locator('.el-message--error', { hasText: '未导入任何数据' }).waitFor()
  // The values template comes back with one figure of this township's: imported, the cells named on error.
  const [values] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="values-template"]').click()])
  assert.equal(values.suggestedFilename(), '指标数值报送模板.xlsx')
  await page.locator('[data-test="values-file"]').setInputFiles(await values.path())
  await page.locator('.el-message--success', { hasText: '指标数值已导入' }).waitFor()
  await page.context().close()
})

test("a township office cannot open another township's list", async () => {
  const page = await browser.page()
  await login(page, '420281101')
  // The menu offers only its own unit; typing another unit's address is refused by the API.
  await page.goto(page.url().replace('420281101', '420281102'))
  const error = page.locator('[data-test="list-error"]')
  await error.waitFor()
  assert.match(await error.textContent(), /无权/)
  assert.equal(await page.locator('[data-test="candidates"]').count(), 0)
  await screenshot(page, 'township-forbidden')
  await page.context().close()
})

test('the bureau picks a unit: no unit is assumed', async () => {
  const page = await browser.page()
  await login(page, 'admin')
  await page.getByRole('link', { name: '培育申报' }).click()
  await page.waitForURL(/\/township$/)
  await page.getByText('请先选择乡镇(街道)').waitFor()
  await page.locator('[data-test="region-select"]').click()
  await page.locator('.el-select-dropdown__item', { hasText: '金牛镇' }).click()
  await page.waitForURL(/\/township\/420281101$/)
  await page.locator('[data-test="candidates"] .el-table__row').first().waitFor()
  // The bureau records the national result, so an applied candidate offers it 已认定 and 未通过.
  const offered = await page.locator('[data-test="candidates"] [data-test="stage-moves"] button').allTextContents()
  assert.ok(offered.some((text) => /已认定/.test(text)), `the bureau is offered ${offered.join(' ')}`)
  await page.context().close()
})
