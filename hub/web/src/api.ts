import type { ApiError } from '@driftless/hub';

const TOKEN_KEY = 'driftless.token';

/**
 * A `#token=…` in the address (what `npm start` prints) goes into this tab's
 * sessionStorage and out of the address bar and history, so it is neither
 * bookmarked nor sent anywhere but the API's Authorization header.
 */
export function takeTokenFromLocation(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m?.[1]) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + location.hash.replace(/[#&]?token=[^&]+/, '').replace(/^$/, '#/'));
}

/** The bearer token this tab signed in with, if any. */
export function token(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Signs this tab in with `value` (empty: signs out). */
export function setToken(value: string): void {
  if (value === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** A failed API call: its HTTP status and the server's message. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return { ...extra, ...(t ? { authorization: `Bearer ${t}` } : {}) };
}

async function failure(res: Response): Promise<ApiCallError> {
  const body = (await res.json().catch(() => ({}))) as Partial<ApiError>;
  return new ApiCallError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.code);
}

/** GET /api/v1/<path>, parsed; throws ApiCallError on a status other than 2xx. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/api/v1/${path}`, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** POST /api/v1/<path> with a JSON body; throws ApiCallError on a status other than 2xx. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/api/v1/${path}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
