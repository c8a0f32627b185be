import { describe, expect, it } from 'vitest'
import { formatGrowth, formatMoney, formatRate, formatValue, formatWan, formatYi, formatYuan } from './format'

describe('money in 万元 and 亿元 from decimal strings', () => {
  it('shows the outstanding funds of the report', () => {
    expect(formatWan('55068000.00')).toBe('5506.8万元')
  })
  it('has no float error where floats would have one', () => {
    // 0.1 + 0.2 style: 1234567.89 / 10000 as a float is 123.45678899999999
    expect(formatWan('1234567.89', 6)).toBe('123.456789万元')
    expect(formatWan('0.30')).toBe('0万元')
    expect(formatWan('3000.00', 4)).toBe('0.3万元')
    expect(formatYi('3425000000')).toBe('34.25亿元')
    expect(formatYi('9007199254740993.01', 2)).toBe('90071992.55亿元') // beyond 2^53
  })
  it('rounds half up at the chosen places', () => {
    expect(formatWan('12345', 0)).toBe('1万元')
    expect(formatWan('15000', 0)).toBe('2万元')
    expect(formatWan('123450', 1)).toBe('12.3万元')
    expect(formatWan('123450', 2)).toBe('12.35万元')
  })
  it('picks the unit by size and keeps the sign', () => {
    expect(formatMoney('9999.99')).toBe('9999.99元')
    expect(formatMoney('10000')).toBe('1万元')
    expect(formatMoney('200000.00')).toBe('20万元')
    expect(formatMoney('99999999.99')).toBe('10000万元')
    expect(formatMoney('100000000')).toBe('1亿元')
    expect(formatMoney('-150000')).toBe('-15万元')
    expect(formatMoney(null)).toBe('—')
  })
  it('writes yuan with separators', () => {
    expect(formatYuan('1234567.5')).toBe('1,234,567.50元')
    expect(formatYuan('-100')).toBe('-100.00元')
    expect(formatYuan('0.1')).toBe('0.10元')
  })
})

describe('rates', () => {
  it('shows fractions as percentages without float error', () => {
    expect(formatRate(0.735)).toBe('73.5%')
    expect(formatRate(0.5714)).toBe('57.1%')
    expect(formatRate(0.07)).toBe('7%') // 0.07 * 100 = 7.000000000000001 as floats
    expect(formatRate(1.5038)).toBe('150.4%')
    expect(formatRate(null)).toBe('—')
  })
  it('signs the year-on-year change', () => {
    expect(formatGrowth(0.2007)).toBe('+20.1%')
    expect(formatGrowth(-0.03)).toBe('-3%')
    expect(formatGrowth(null)).toBe('—')
  })
  it('shows indicator values with their unit, % ones as percentages', () => {
    expect(formatValue('34.25', '亿元')).toBe('34.25亿元')
    expect(formatValue('0.5714', '%')).toBe('57.14%')
    expect(formatValue('888', '家')).toBe('888家')
    expect(formatValue(null, '家')).toBe('—')
  })
})
