// Downloads and uploads of files (Excel, Word) through the dev server's proxy, with the session's
// token; a refusal comes back as the service's problem+json in a ProblemError.
import { session } from '../session'
import { ProblemError, errorMessage, type Problem } from './problem'

function authorization(): Record<string, string> {
  return session.token ? { Authorization: `Bearer ${session.token}` } : {}
}

async function refusal(response: Response): Promise<ProblemError> {
  const problem = (await response.json().catch(() => ({}))) as Problem
  return new ProblemError({ status: response.status, ...problem })
}

/** Fetches `url` and hands it to the browser as a file called `filename`. */
export async function downloadFile(url: string, filename: string): Promise<void> {
  const response = await fetch(url, { headers: authorization() })
  if (!response.ok) throw await refusal(response)
  const link = document.createElement('a')
  link.href = URL.createObjectURL(await response.blob())
  link.download = filename
  link.click()
  URL.revokeObjectURL(link.href)
}

/** Posts `file` as the form field `file`; the JSON answer, or a ProblemError naming the bad cells. */
export async function uploadFile<T>(url: string, file: File): Promise<T> {
  const body = new FormData()
  body.append('file', file)
  const response = await fetch(url, { method: 'POST', body, headers: authorization() })
  if (!response.ok) throw await refusal(response)
  return (await response.json()) as T
}

/** `downloadFile` for a button: a failure shows as a message and nothing else on the page changes. */
export async function saveFile(url: string, filename: string): Promise<void> {
  try {
    await downloadFile(url, filename)
  } catch (e) {
    ElMessage.error(`下载失败:${errorMessage(e)}`)
  }
}
