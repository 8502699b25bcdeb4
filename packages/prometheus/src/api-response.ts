import type { MetricQueryResult } from '@driftless/core';
import { z } from 'zod';

/** A sample as the API sends it: `[unix seconds, "value"]`, the value a string so NaN and ±Inf survive JSON. */
const sample = z.tuple([z.number(), z.string()]);

const success = z.object({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample })) }),
    z.object({ resultType: z.literal('scalar'), result: sample }),
    z.object({ resultType: z.enum(['matrix', 'string']), result: z.unknown() }),
  ]),
});

const failure = z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string() });

/**
 * What one answer of `/api/v1/query` said: a result a check can use, a result of
 * another type (a range vector or a string: the query is wrong for a check), the
 * API's own error text, or `undefined` when the body is not the API's JSON at all
 * (a proxy's page, a truncated body).
 */
export type ApiAnswer =
  | { readonly kind: 'result'; readonly result: MetricQueryResult }
  | { readonly kind: 'unusable'; readonly resultType: string }
  | { readonly kind: 'error'; readonly error: string };

/** Parses a response body of `/api/v1/query` (see {@link ApiAnswer}); never throws. */
export function parseApiAnswer(text: string): ApiAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ok = success.safeParse(json);
  if (ok.success) {
    const { data } = ok.data;
    if (data.resultType === 'scalar') return { kind: 'result', result: { resultType: 'scalar', value: sampleValue(data.result[1]) } };
    if (data.resultType === 'vector') {
      const series = data.result.map((s) => ({ labels: s.metric, value: sampleValue(s.value[1]) }));
      return { kind: 'result', result: { resultType: 'vector', series } };
    }
    return { kind: 'unusable', resultType: data.resultType };
  }
  const err = failure.safeParse(json);
  return err.success ? { kind: 'error', error: err.data.error } : undefined;
}

/** Prometheus's float text: Go's `+Inf`/`-Inf`/`NaN`, which `Number` alone reads as NaN for the infinities. */
function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
