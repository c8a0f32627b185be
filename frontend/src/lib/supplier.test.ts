import { describe, expect, it } from 'vitest'
import { relevanceLevel, splitTerms, supplyErrors, type SupplyDraft } from './supplier'

const draft = (extra: Partial<SupplyDraft> = {}): SupplyDraft => ({
  kind: 'technology',
  name: '铸件缺陷检测技术',
  provider: '湖北理工学院',
  description: '基于视觉的铸件表面缺陷检测',
  fields: '铸造',
  industries: '',
  contact: '',
  capacity: null,
  max_amount: '',
  financing: null,
  ...extra,
})

describe('supplier', () => {
  it('reads relevance as a level', () => {
    expect(relevanceLevel(0.72).label).toBe('高度相关')
    expect(relevanceLevel(0.3).label).toBe('相关')
    expect(relevanceLevel(0.05).label).toBe('弱相关')
    expect(relevanceLevel(0).label).toBe('无相关供给')
  })

  it('splits typed terms on Chinese and Latin separators, without blanks or repeats', () => {
    expect(splitTerms('铸造、热处理, 防腐;铸造  ')).toEqual(['铸造', '热处理', '防腐'])
    expect(splitTerms('  ')).toEqual([])
  })

  it('asks an expert for capacity and a financial product for its ceiling and financing', () => {
    expect(supplyErrors(draft())).toEqual({})
    expect(Object.keys(supplyErrors(draft({ kind: 'expert' })))).toEqual(['capacity'])
    expect(supplyErrors(draft({ kind: 'finance_product', max_amount: '1e5' }))).toEqual({
      max_amount: '请填写最高额度(元)',
      financing: '请选择融资方式',
    })
    expect(supplyErrors(draft({ kind: 'finance_product', max_amount: '5000000', financing: 'loan' }))).toEqual({})
    expect(supplyErrors(draft({ name: ' ' })).name).toBe('请填写名称')
  })
})
