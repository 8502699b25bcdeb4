import { DriftlessError, networkErrorCode } from '@driftless/core';

/**
 * A request the API server answered with a status outside 2xx: the HTTP
 * status and the body as sent (a Status, else whatever a proxy put there).
 * Its message is `HTTP-Code: <code>`, as client-node's ApiException begins,
 * so that what reaches users reads the same with either.
 */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(`HTTP-Code: ${code}`);
    this.name = 'KubeApiError';
  }
}

/** A failed HTTP answer: our {@link KubeApiError}, or client-node's ApiException (same `code` and `body`), which tests still raise. */
export type KubeAnswerError = Pick<KubeApiError, 'code' | 'body' | 'message'>;

/** Whether `err` is an answer with an HTTP status (a network error's `code` is a string such as `ECONNRESET`). */
export function isKubeAnswer(err: unknown): err is KubeAnswerError & Error {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

/**
 * The fields of a Kubernetes Status (`metav1.Status`, the body of every failed
 * API request) that say what went wrong. Failures are classified by these,
 * never by the message text.
 */
export interface KubeStatus {
  /** HTTP status code: the Status's `code`, else the response's. */
  readonly code: number;
  /**
   * The machine-readable StatusReason (`NotFound`, `Invalid`, `Conflict`,
   * `Forbidden`, …); `''` when the Status names none (StatusReasonUnknown);
   * absent when the body is no Status at all (a proxy's page, an empty body).
   */
  readonly reason?: string;
  /** The server's own description, quoted in our messages; the exception's first line when the body is no Status. */
  readonly message: string;
}

/** The Status in a failed response's body; a body that is not one still gives the HTTP code and a message. */
export function kubeStatusOf(err: KubeAnswerError): KubeStatus {
  const body = parseBody(err.body);
  const isStatus = body?.['kind'] === 'Status';
  const code = isStatus && typeof body['code'] === 'number' && body['code'] > 0 ? body['code'] : err.code;
  const message = isStatus && typeof body['message'] === 'string' && body['message'] !== '' ? body['message'] : (err.message.split('\n')[0] ?? err.message);
  if (!isStatus) return { code, message };
  return { code, reason: typeof body['reason'] === 'string' ? body['reason'] : '', message };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: a proxy's page, an empty body
  }
}

/** StatusReasons that say the server, not the request, failed: the same request can succeed later. */
const TRANSIENT_REASONS: ReadonlySet<string> = new Set(['TooManyRequests', 'ServiceUnavailable', 'Timeout', 'ServerTimeout', 'InternalError']);

/** The requests the adapters send, as their messages name them: the KubeTarget's (`discover`, `apply`, `get`, `list`, `delete`) and the lease lock's (`get`, `create`, `update`). */
export type KubeOperation = 'discover' | 'apply' | 'get' | 'list' | 'delete' | 'create' | 'update';

/**
 * Whether a failure the API server answered with `status` to `operation` is
 * worth retrying (429 TooManyRequests and 5xx: ServiceUnavailable, Timeout,
 * ServerTimeout, InternalError, or a proxy's page in between) rather than
 * refused until the request changes (400 BadRequest, 403 Forbidden, 404
 * NotFound, 409 Conflict, 422 Invalid, …). A 500 whose Status has no reason
 * is an error the server passed on unclassified: answering an `apply`, it is
 * how server-side apply refuses an object that does not fit its schema
 * (`expected numeric`, `field not declared in schema`, `duplicate entries for
 * key`; kube-apiserver v1.37), which retrying cannot fix; answering anything
 * else it is the server failing (`etcdserver: leader changed`), transient.
 */
export function isTransientStatus(status: KubeStatus, operation: KubeOperation): boolean {
  if (status.reason !== undefined && TRANSIENT_REASONS.has(status.reason)) return true;
  if (status.code === 500) return !(status.reason === '' && operation === 'apply');
  return status.code === 429 || status.code > 500;
}

/**
 * Thrown by the adapter's own discovery before any request is sent: the
 * API server serves `apiVersion` but has no `kind` in it.
 */
export class KindNotServedError extends Error {
  readonly code = 'KindNotServed';

  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the API server does not serve ${kind} in ${apiVersion}`);
    this.name = 'KindNotServedError';
  }
}

/**
 * A request whose answer cannot be used however often it is sent as it is:
 * the server's certificate failed verification (or ours was refused), or a
 * 2xx answer was not JSON (a proxy's login page). Translated to `KubeRefused`.
 */
export class KubeTransportError extends Error {
  readonly code = 'KubeTransport';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeTransportError';
  }
}

const TLS_ERROR_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_VERIFY_|UNABLE_TO_GET_ISSUER_CERT|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/;

/** The code of a TLS verification failure (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, …), else undefined. */
export function tlsErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TLS_ERROR_CODE.test(code) ? code : undefined;
}

/**
 * A failed Kubernetes request about `object` (as named in messages:
 * `Deployment/ns/web`, `Lease/ns/name`, `Thing (v1)`) -> DriftlessError, at the
 * edge, by structured fields only: the Status's code and reason, a network
 * error code anywhere in the error's chain, {@link KindNotServedError} or
 * {@link KubeTransportError}.
 * Transient ones are `KubeUnavailable`; refusals are `KubeRefused` quoting the
 * API server. Messages read `<object> <operation> failed: <cause>`.
 * DriftlessErrors, and errors none of these describe, are returned unchanged.
 */
export function translateKubeError(err: unknown, object: string, operation: KubeOperation): unknown {
  if (err instanceof DriftlessError) return err;
  if (isKubeAnswer(err)) {
    const status = kubeStatusOf(err);
    if (isTransientStatus(status, operation)) {
      const message = `${object} ${operation} failed: HTTP ${status.code}: ${status.message}`;
      return new DriftlessError('KubeUnavailable', message, { object, operation, status: status.code }, { cause: err });
    }
    const data = { object, operation, status: status.code, reason: status.message };
    return new DriftlessError('KubeRefused', `${object} ${operation} failed: ${status.message}`, data, { cause: err });
  }
  if (err instanceof KindNotServedError || err instanceof KubeTransportError) {
    return new DriftlessError('KubeRefused', `${object} ${operation} failed: ${err.message}`, { object, operation, reason: err.message }, { cause: err });
  }
  const network = networkErrorCode(err);
  if (network) return new DriftlessError('KubeUnavailable', `${object} ${operation} failed: ${network}`, { object, operation }, { cause: err });
  return err;
}
