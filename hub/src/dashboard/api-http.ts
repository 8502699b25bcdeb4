import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDriftlessError, type ErrorCode } from '@driftless/core';
import type { ApiError } from './api-types.js';

/**
 * An answer other than 200 that a route decides on (bad query, not found,
 * unauthenticated…): its status, message and optional code, sent as ApiError.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** The HTTP status of a DriftlessError the store or the rollout raised, by what the caller must do. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  RolloutCommandRefused: 409,
  RolloutSuperseded: 409,
  MetricSourceRequired: 409,
  SigningKeyRequired: 409,
  FlagOverrideRefused: 409,
  RolloutConflict: 409,
  FreezeConflict: 409,
  FlagOverridesConflict: 409,
  AuditConflict: 409,
  InvalidDocument: 400,
};

/** Sends `body` as JSON with `status` (no body for HEAD). */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length), 'cache-control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/**
 * Answers a failed request: an ApiFailure as itself, a typed error by its
 * code (409 for what the rollout or store refuses now), anything else 500
 * with a message that names no internals beyond the error's own message.
 */
export function sendFailure(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ApiFailure) {
    sendJson(req, res, err.status, apiError(err.message, err.code), err.headers);
    return;
  }
  if (isDriftlessError(err)) {
    sendJson(req, res, STATUS_OF[err.code] ?? 500, apiError(err.message, err.code));
    return;
  }
  sendJson(req, res, 500, apiError(`${req.method ?? 'GET'} ${pathOf(req)} failed: ${(err as Error).message}`, undefined));
}

function apiError(error: string, code: string | undefined): ApiError {
  return code === undefined ? { error } : { error, code };
}

/** The request's path, without its query. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

/** The request's query parameters. */
export function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** A whole number query parameter from 1 to `max`, `fallback` when absent; 400 naming it otherwise. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new ApiFailure(400, `query ${name} failed: ${JSON.stringify(raw)} is not a whole number from 1 to ${max}`, 'InvalidRequest');
  return n;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/**
 * A name taken from the path (a cluster, rollout id, flag), decoded; 400 when
 * it is not a plain name, so no `/` or `..` ever reaches a store key.
 */
export function pathParam(raw: string, what: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = '';
  }
  if (!NAME.test(name) || name.includes('..')) throw new ApiFailure(400, `path ${what} failed: ${JSON.stringify(raw)} is not a ${what} name`, 'InvalidRequest');
  return name;
}
