import { describe, expect, it } from 'vitest'
import { fieldErrors, fieldMessage, problemSummary } from './problem'

describe('problem+json to Chinese field errors', () => {
  const problem = {
    type: '/problems/validation_failed',
    title: '请求参数有误',
    status: 422,
    detail: '请求参数有误: body.credit_code, body.figures.staff',
    code: 'validation_failed',
    errors: [
      { field: 'body.credit_code', rule: 'credit_code', message: 'invalid unified social credit code: must be 18 characters, got 4' },
      { field: 'body.name', rule: 'string_too_short', message: 'String should have at least 2 characters' },
      { field: 'body.figures.staff', rule: 'greater_than_equal', message: 'Input should be greater than or equal to 1' },
      { field: 'body.figures.sales_revenue.1', rule: 'money_parsing', message: 'not a decimal amount' },
    ],
  }

  it('keys the errors by form path, without the body. prefix', () => {
    const errors = fieldErrors(problem)
    expect(errors.credit_code).toBe('统一社会信用代码不正确(18 位,含校验位)')
    expect(errors.name).toBe('至少 2 个字')
    expect(errors['figures.staff']).toBe('不能小于 1')
    expect(errors['figures.sales_revenue.1']).toBe('应为金额(元,最多两位小数)')
    expect(errors['figures.sales_revenue']).toBe('应为金额(元,最多两位小数)')
  })

  it('never shows English: unknown rules get a generic Chinese message, Chinese messages are kept', () => {
    expect(fieldMessage({ field: 'body.x', rule: 'something_new', message: 'Some English' })).toBe('输入有误')
    expect(fieldMessage({ field: 'body.x', rule: 'something_new', message: '超过预算余额' })).toBe('超过预算余额')
    expect(fieldMessage({ field: 'header.idempotency-key', rule: 'missing', message: 'Field required' })).toBe('必填')
  })

  it('summarises a problem in Chinese', () => {
    expect(problemSummary(problem)).toBe('请求参数有误')
    expect(problemSummary({ status: 403, title: 'Forbidden' })).toBe('无权执行此操作')
    expect(problemSummary(null)).toBe('请求失败')
  })
})
