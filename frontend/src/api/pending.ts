// Operations of issue 18 whose service branch is not merged yet, called through the same clients
// (same base URL, token and refusal handling) without their generated types. Each caller declares
// the contract's shape locally; when the branch lands, `make openapi` brings the real types and the
// caller moves back to the typed client, and this file goes away.
import { indicatorApi } from '.'

type Result = { data?: unknown; error?: unknown; response: Response }
interface LooseClient {
  GET(path: string, init?: { params?: { path?: Record<string, unknown>; query?: Record<string, unknown> } }): Promise<Result>
  POST(
    path: string,
    init?: { params?: { path?: Record<string, unknown>; header?: Record<string, string> }; body?: unknown },
  ): Promise<Result>
}

export const pendingIndicatorApi = indicatorApi as unknown as LooseClient
