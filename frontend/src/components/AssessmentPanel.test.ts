import { describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import AssessmentPanel from './AssessmentPanel.vue'
import type { IndicatorSchemas } from '../api'

type Assessment = IndicatorSchemas['Assessment']

const condition = (code: string, passed: boolean, extra: Partial<IndicatorSchemas['Condition']> = {}) => ({
  code,
  name: `条件 ${code}`,
  value: '1',
  threshold: '≥ 2',
  passed,
  shortfall: passed ? null : '1 个百分点',
  points: null,
  max_points: null,
  ...extra,
})

function mountPanel(assessment: Assessment) {
  return mount(AssessmentPanel, { props: { assessment }, global: { plugins: [ElementPlus] } })
}

describe('AssessmentPanel', () => {
  it('says how many conditions fail and shows each shortfall', async () => {
    const wrapper = mountPanel({
      program: 'hte',
      ruleset: '2025.1',
      eligible: false,
      route: null,
      score: null,
      conditions: [condition('a', true), condition('rd_intensity', false, { shortfall: '0.5 个百分点' }), condition('c', false)],
    })
    await flushPromises()
    expect(wrapper.get('[data-test="eligibility"]').text()).toBe('不符合条件:2 / 3 项未达标')
    expect(wrapper.text()).toContain('高新技术企业预审')
    const results = wrapper.findAll('[data-test="condition-result"]').map((cell) => cell.text())
    expect(results).toEqual(['✔ 达标', '✘ 未达标', '✘ 未达标'])
    expect(wrapper.text()).toContain('差 0.5 个百分点')
  })

  it('names the route of an eligible candidate and shows scored items', async () => {
    const wrapper = mountPanel({
      program: 'tech_sme',
      ruleset: '2025.1',
      eligible: true,
      route: 'score',
      score: 72,
      conditions: [condition('staff_limit', true), condition('rd_score', true, { points: 40, max_points: 50 })],
    })
    await flushPromises()
    expect(wrapper.get('[data-test="eligibility"]').text()).toBe('符合条件(评分达标)')
    expect(wrapper.text()).toContain('评分 72 / 100')
    expect(wrapper.text()).toContain('40 / 50 分')
    expect(wrapper.findAll('[data-test="condition-result"]').every((cell) => cell.text() === '✔ 达标')).toBe(true)
  })
})
