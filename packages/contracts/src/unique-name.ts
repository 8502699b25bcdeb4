/**
 * A name unique to this test run, for bucket prefixes, namespaces and
 * repositories (DNS-1123 safe), so that any number of suites and runs can share
 * one real server without seeing each other's objects.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
