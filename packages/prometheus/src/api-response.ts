import type { MetricQueryResult } from '@driftless/core';
import { z } from 'zod';

/** Go's float text as Prometheus writes it: a numeral, `NaN`, `+Inf` or `-Inf`; anything else is not the API's JSON. */
const FLOAT = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;

/** A sample as the API sends it: `[unix seconds, "value"]`, the value a string so NaN and ±Inf survive JSON. */
const sample = z.tuple([z.number(), z.string().regex(FLOAT)]);

/** A vector element: a float sample, or a native histogram sample (`histogram: [t, {count, sum, buckets}]`). */
const element = z.union([
  z.object({ metric: z.record(z.string(), z.string()), value: sample }),
  z.object({ metric: z.record(z.string(), z.string()), histogram: z.tuple([z.number(), z.unknown()]) }),
]);

const success = z.object({
  status: z.literal('success'),
  // Warnings: the data may be partial (a failed shard or remote read). Infos are not about the data; ignored.
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
  data: z.discriminatedUnion('resultType', [
    z.object({ resultType: z.literal('vector'), result: z.array(element) }),
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
  | { readonly kind: 'unusable'; readonly reason: string }
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
    const warnings = ok.data.warnings?.length ? { warnings: ok.data.warnings } : {};
    if (data.resultType === 'scalar') return { kind: 'result', result: { resultType: 'scalar', value: sampleValue(data.result[1]), ...warnings } };
    if (data.resultType === 'vector') {
      const series = [];
      for (const s of data.result) {
        if (!('value' in s)) return { kind: 'unusable', reason: 'the result holds a native histogram sample, not a number: wrap it in histogram_quantile or histogram_count' };
        series.push({ labels: s.metric, value: sampleValue(s.value[1]) });
      }
      return { kind: 'result', result: { resultType: 'vector', series, ...warnings } };
    }
    return { kind: 'unusable', reason: `the result is a ${data.resultType}, not an instant vector or a scalar` };
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
