/**
 * Like Promise.all, but waits for every promise before rejecting with the
 * first failure in input order: nothing is still running when it settles, and
 * the same failures always give the same error.
 */
export async function settleAll<T>(promises: Iterable<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
