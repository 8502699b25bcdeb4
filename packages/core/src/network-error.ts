/**
 * Error codes that say the network failed rather than the peer answering: the
 * connection was refused, reset, timed out or never reached the host. Node
 * (libuv) names them; `UND_ERR_SOCKET` is undici's closed socket. A request
 * that failed this way is worth retrying with backoff. Name resolution that
 * found no such host (`ENOTFOUND`) is not here: a mistyped endpoint needs a human.
 */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** How deep {@link errorCodesOf} follows `cause` and `errors`; real chains are two or three long. */
const MAX_DEPTH = 8;

/**
 * Every string `code` on `err`, on its `cause` chain and on the members of an
 * AggregateError (`errors`), depth first, the outermost first. HTTP clients
 * wrap the socket's error (node-fetch's FetchError copies its code, undici and
 * `fetch` keep it as `cause`, Node's happy-eyeballs connect throws an
 * AggregateError), so the code that matters may sit a few levels down. Numeric
 * codes (an HTTP status on some SDK errors) are skipped; cycles are followed once.
 * Empty for anything without a code, `undefined` and non-objects included.
 */
export function errorCodesOf(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_DEPTH) return;
    seen.add(value);
    const { code, cause, errors } = value as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && code !== '') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const member of errors) visit(member, depth + 1);
  };
  visit(err, 0);
  return codes;
}

/**
 * The first of {@link NETWORK_ERROR_CODES} found on `err` or what it wraps
 * (see {@link errorCodesOf}), e.g. `'ECONNRESET'`; undefined when the failure
 * is not a network failure. Never looks at message text.
 */
export function networkErrorCode(err: unknown): string | undefined {
  return errorCodesOf(err).find((code) => NETWORK_ERROR_CODES.has(code));
}
