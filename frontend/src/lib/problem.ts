// problem+json errors from the three services, turned into Chinese messages per form field.

export interface FieldError {
  field: string
  rule: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  request_id?: string | null
  errors?: FieldError[]
}

const RULES: Record<string, string> = {
  missing: '必填',
  string_too_short: '内容太短',
  string_too_long: '内容太长',
  string_type: '应为文字',
  string_pattern_mismatch: '格式不正确',
  int_parsing: '应为整数',
  int_type: '应为整数',
  float_parsing: '应为数字',
  decimal_parsing: '应为金额数字',
  money_parsing: '应为金额(元,最多两位小数)',
  decimal_max_places: '最多两位小数',
  greater_than: '数值太小',
  greater_than_equal: '数值太小',
  less_than: '数值太大',
  less_than_equal: '数值太大',
  too_short: '项数不足',
  too_long: '项数太多',
  enum: '不是可选的值',
  literal_error: '不是可选的值',
  date_parsing: '日期格式不正确',
  date_from_datetime_parsing: '日期格式不正确',
  credit_code: '统一社会信用代码不正确(18 位,含校验位)',
  bool_parsing: '应为是或否',
}

const LIMIT = /(?:greater|less) than(?: or equal to)? (-?[\d.]+)/
const LENGTH = /at (least|most) (\d+) (?:character|item)/

/** A Chinese message for one field error; the rule picks it, the English message only adds a bound. */
export function fieldMessage(error: FieldError): string {
  const base = RULES[error.rule]
  const limit = LIMIT.exec(error.message)
  if (limit) {
    const words: Record<string, string> = {
      greater_than_equal: '不能小于',
      greater_than: '必须大于',
      less_than_equal: '不能大于',
      less_than: '必须小于',
    }
    if (words[error.rule]) return `${words[error.rule]} ${limit[1]}`
  }
  const length = LENGTH.exec(error.message)
  if (length) return `${length[1] === 'least' ? '至少' : '最多'} ${length[2]} ${error.rule.startsWith('string') ? '个字' : '项'}`
  if (base) return base
  // A message already in Chinese is kept; otherwise a generic one.
  return /[\u4e00-\u9fff]/.test(error.message) ? error.message : '输入有误'
}

/**
 * Field errors keyed by form path: `body.figures.staff` -> `figures.staff`,
 * `body.figures.sales_revenue.1` -> `figures.sales_revenue.1` (and also `figures.sales_revenue`).
 */
export function fieldErrors(problem: Problem | null | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const error of problem?.errors ?? []) {
    const path = error.field.replace(/^(body|query|path|header)\./, '')
    const message = fieldMessage(error)
    out[path] = out[path] ? `${out[path]};${message}` : message
    const parent = path.replace(/\.\d+$/, '')
    if (parent !== path && !out[parent]) out[parent] = message
  }
  return out
}

const STATUS_TEXT: Record<number, string> = {
  400: '请求有误',
  401: '登录已失效,请重新登录',
  403: '无权执行此操作',
  404: '资源不存在',
  409: '与当前状态冲突',
  422: '请求参数有误',
  429: '请求过于频繁,请稍后再试',
  500: '服务出错,请稍后再试',
  502: '上游服务不可用',
  503: '服务暂不可用',
}

/** A one-line Chinese summary of a problem (the title is Chinese from the services). */
export function problemSummary(problem: Problem | null | undefined): string {
  if (!problem) return '请求失败'
  const title = problem.title && /[\u4e00-\u9fff]/.test(problem.title) ? problem.title : undefined
  return title ?? STATUS_TEXT[problem.status ?? 0] ?? '请求失败'
}

/** Thrown by the API helpers when a service answers with an error. */
export class ProblemError extends Error {
  constructor(public problem: Problem) {
    super(problemSummary(problem))
  }
}

/**
 * The Chinese line to show for a failed call: the problem's summary, with its detail when asked, or
 * `offline` when the service could not be reached at all (anything that is not a ProblemError).
 */
export function errorMessage(error: unknown, { detail = false, offline = '无法连接服务' } = {}): string {
  if (!(error instanceof ProblemError)) return offline
  return detail && error.problem.detail ? `${error.message}:${error.problem.detail}` : error.message
}

/** The line above a form that failed: point at the marked fields when the problem names any. */
export function formErrorMessage(error: unknown): string {
  if (error instanceof ProblemError && Object.keys(fieldErrors(error.problem)).length) return `${error.message},请按标红的字段修改`
  return errorMessage(error, { detail: true })
}
