import type { ApiError } from '@driftless/hub';
import { splitToken } from './route.js';

const TOKEN_KEY = 'driftless.token';

/**
 * A `token=…` in the address's hash (what `npm start` prints: `#token=…`, or
 * `#/rollout&token=…` for an approval) goes into this tab's sessionStorage
 * and out of the address bar and history, so it is neither bookmarked nor
 * sent anywhere but the API's Authorization header; the route stays. A token
 * that is not valid percent-encoding is dropped (the page asks for one).
 */
export function takeTokenFromLocation(): void {
  const split = splitToken(location.hash);
  if (!split) return;
  if (split.token !== undefined) sessionStorage.setItem(TOKEN_KEY, split.token);
  history.replaceState(null, '', location.pathname + location.search + split.hash);
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

/** The window event every API answer 401 dispatches: the shell shows its sign-in form on it. */
export const UNAUTHORIZED_EVENT = 'driftless:unauthorized';

async function failure(res: Response): Promise<ApiCallError> {
  if (res.status === 401) dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  const body = (await res.json().catch(() => ({}))) as Partial<ApiError>;
  return new ApiCallError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.code);
}

/** The last answer per GET path with its ETag, so a poll sends If-None-Match and a 304 reuses it (bounded: filters make new paths). */
const lastAnswers = new Map<string, { readonly etag: string; readonly data: unknown }>();
const MAX_REMEMBERED = 16;

/** GETs under way by path: the shell's freeze banner and the overview read `fleet` at the same moment, and share one answer. */
const inFlight = new Map<string, Promise<unknown>>();

/**
 * GET /api/v1/<path>, parsed; throws ApiCallError on a status other than 2xx.
 * When an earlier answer carried an ETag it is sent as If-None-Match, and a
 * 304 returns that earlier answer itself (the same object, so a page holding
 * it does not render again). Calls for a path already being read share that read.
 */
export function getJson<T>(path: string): Promise<T> {
  const pending = inFlight.get(path);
  if (pending) return pending as Promise<T>;
  const read = readJson<T>(path).finally(() => inFlight.delete(path));
  inFlight.set(path, read);
  return read;
}

async function readJson<T>(path: string): Promise<T> {
  const known = lastAnswers.get(path);
  const res = await fetch(`/api/v1/${path}`, { headers: headers(known ? { 'if-none-match': known.etag } : {}), cache: 'no-store' });
  if (res.status === 304 && known) return known.data as T;
  if (!res.ok) throw await failure(res);
  const data = (await res.json()) as T;
  const etag = res.headers.get('etag');
  lastAnswers.delete(path);
  if (etag) {
    lastAnswers.set(path, { etag, data });
    if (lastAnswers.size > MAX_REMEMBERED) lastAnswers.delete(lastAnswers.keys().next().value as string);
  }
  return data;
}

/**
 * Fetches /api/v1/<path> with the token (a plain link could not send it) and
 * saves the answer as `filename` through a temporary object URL.
 */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/api/v1/${path}`, { headers: headers(), cache: 'no-store' });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Revoked after the click has handed the blob to the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** POST /api/v1/<path> with a JSON body; throws ApiCallError on a status other than 2xx. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/api/v1/${path}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
