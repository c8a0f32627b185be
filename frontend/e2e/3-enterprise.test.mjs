import { test } from 'node:test'
import assert from 'node:assert/strict'
import { login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()

test('an enterprise posts a demand and sees ranked recommendations with reasons, then starts a docking', async () => {
  const page = await browser.page()
  await login(page, '91420281MA0000001H')
  assert.match(page.url(), /\/enterprise$/)
  await page.locator('input[name="industry"]').fill('铸造')
  await page.locator('input[name="title"]').fill(`铸件砂型开裂与气孔缺陷攻关 ${Date.now() % 100000}`)
  await page
    .locator('textarea[name="description"]')
    .fill('我公司球墨铸铁铸件在砂型铸造中出现开裂和气孔缺陷,废品率偏高,希望引进铸造工艺仿真与型砂改进技术,降低废品率。')
  await page.locator('[data-test="post-demand"]').click()

  const list = page.locator('[data-test="recommendations"]')
  await list.locator('[data-test="recommendation"]').first().waitFor()
  const items = list.locator('[data-test="recommendation"]')
  const count = await items.count()
  assert.ok(count >= 1, 'at least one recommendation')
  const ranks = await list.locator('.rank').allTextContents()
  assert.deepEqual(ranks.map(Number), ranks.map((_, i) => i + 1), 'ranked 1, 2, 3 …')
  const reasons = await items.first().locator('[data-test="reasons"] li').allTextContents()
  assert.ok(reasons.length >= 2, 'reasons per factor')
  assert.match(reasons.join(' '), /文本相关度/)
  await screenshot(page, 'enterprise-recommendations')

  await items.first().getByRole('button', { name: '发起对接' }).click()
  await items.first().getByRole('button', { name: '已发起对接' }).waitFor()
  await page.locator('[data-test="notifications"]').waitFor()
  await screenshot(page, 'enterprise-docking')
  await page.context().close()
})
