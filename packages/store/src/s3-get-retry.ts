import { backoffMs, type Rng } from '@driftless/core';

/**
 * What a failed attempt costs the retry budget, as in the AWS SDK's standard
 * retry strategy: a timeout or broken connection costs more than an error
 * answer, since it held a socket for longer.
 */
export type RetryCause = 'timeout' | 'throttled' | 'server-error';

/**
 * A token bucket shared by every GET of one store (the SDK's standard retry
 * strategy, with its numbers): each retry takes tokens, a call that succeeds
 * gives back what its retries took (or one token if it needed none). When the
 * bucket is empty a failing call is not retried, so an endpoint that is down
 * gets one request per poll from each agent instead of `maxAttempts`, and
 * thousands of agents do not turn an outage into a retry storm.
 */
export interface RetryBudget {
  /** Takes the tokens for one retry after `cause`; false (nothing taken) when the bucket cannot pay. */
  take(cause: RetryCause): boolean;
  /** Records a call that succeeded after retries that took `spent` tokens (0: none). */
  succeeded(spent: number): void;
  /** Tokens left. */
  readonly tokens: number;
}

/** The SDK standard strategy's bucket size and costs (tokens). */
export const RETRY_TOKENS = 500;
const COST: Readonly<Record<RetryCause, number>> = { timeout: 10, throttled: 5, 'server-error': 5 };
const NO_RETRY_INCREMENT = 1;

/** Backoff bases, ms: a throttled server is given longer (the SDK's 500 ms against 100 ms); both capped at 20 s. */
const BASE_BACKOFF_MS = 100;
const THROTTLED_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 20_000;

/** A full bucket of {@link RETRY_TOKENS} tokens. */
export function createRetryBudget(capacity = RETRY_TOKENS): RetryBudget {
  let tokens = capacity;
  return {
    take(cause) {
      const cost = COST[cause];
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
    succeeded(spent) {
      tokens = Math.min(capacity, tokens + (spent > 0 ? spent : NO_RETRY_INCREMENT));
    },
    get tokens() {
      return tokens;
    },
  };
}

/** Tokens one retry after `cause` costs. */
export function retryCost(cause: RetryCause): number {
  return COST[cause];
}

/** The pause before retry `attempt` (1: the first retry), ms: exponential with full jitter from `rng`, so agents that failed together do not retry in step. */
export function retryDelayMs(attempt: number, cause: RetryCause, rng: Rng): number {
  return backoffMs(attempt, cause === 'throttled' ? THROTTLED_BACKOFF_MS : BASE_BACKOFF_MS, MAX_BACKOFF_MS, rng);
}

/** S3 error codes that mean "slow down" (besides HTTP 429), as the SDK classifies them. */
const THROTTLING_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException', 'RequestLimitExceeded']);

/**
 * Why an answer with `status` and S3 error `code` is worth a retry, or
 * undefined when it is not: only 5xx and 429 are, the same answers the store
 * reports as transient once retries are spent (a 4xx needs a human).
 */
export function retryCauseOf(status: number, code: string): RetryCause | undefined {
  if (status === 429 || (status >= 500 && THROTTLING_CODES.has(code))) return 'throttled';
  if (status >= 500) return 'server-error';
  return undefined;
}
