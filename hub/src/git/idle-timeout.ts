import type { GitHttpResponse, HttpClient } from 'isomorphic-git';

/**
 * A git request that waited `timeoutMs` for the server without receiving
 * anything. Its `code` is Node's `ETIMEDOUT`, so the shared network classifier
 * (`networkErrorCode`) counts it as a network failure: transient, retried.
 */
export class GitIdleTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(readonly timeoutMs: number) {
    super(`no response for ${timeoutMs} ms`);
    this.name = 'GitIdleTimeoutError';
  }
}

/**
 * `base` with an inactivity timeout: a request fails with
 * {@link GitIdleTimeoutError} when the response headers, or the next chunk of
 * its body, take longer than `timeoutMs` (ms) to arrive; the request is then
 * aborted through its AbortSignal, which closes the connection. Time the caller
 * spends between reading chunks does not count. Without it a stalled server
 * would hold a compile for ever. `onTimeout` hears every timeout as it fires:
 * isomorphic-git swallows an error raised while it reads a body (it reports a
 * short or empty answer instead), so the caller must learn of a stall here.
 */
export function withIdleTimeout(base: HttpClient, timeoutMs: number, onTimeout?: (err: GitIdleTimeoutError) => void): HttpClient {
  return {
    async request(req) {
      const controller = new AbortController();
      const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
      const wait = <T>(pending: Promise<T>): Promise<T> =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => {
            const err = new GitIdleTimeoutError(timeoutMs);
            // What the aborted request rejects with later is ignored: this settles first.
            controller.abort(err);
            onTimeout?.(err);
            reject(err);
          }, timeoutMs);
          void pending.then(resolve, reject).finally(() => clearTimeout(timer));
        });
      const res = await wait(base.request({ ...req, signal }));
      return res.body ? { ...res, body: idleBody(res.body, wait, controller.signal) } : res;
    },
  };
}

/** The response body, each read waiting at most as long as `wait` allows. */
function idleBody(
  body: AsyncIterableIterator<Uint8Array>,
  wait: <T>(pending: Promise<T>) => Promise<T>,
  timedOut: AbortSignal,
): NonNullable<GitHttpResponse['body']> {
  const done = { done: true as const, value: undefined };
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next: () => wait(body.next()),
    // Not after a timeout: the aborted stream may still emit its error, and must keep a listener for it.
    return: async (value?: unknown) => (timedOut.aborted ? done : ((await body.return?.(value)) ?? done)),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
