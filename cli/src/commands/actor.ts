import { hostname, userInfo } from 'node:os';
import { UsageError } from '../errors.js';

/**
 * Who a state-changing command acts as (recorded in the audit log): `--as`,
 * else `$DRIFTLESS_ACTOR`, else `<os user>@<hostname>`. An empty `--as` is a
 * UsageError naming the flag.
 */
export function resolveActor(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError('--as must name who acts (e.g. --as alice@example.com)');
    return flag;
  }
  const fromEnv = env['DRIFTLESS_ACTOR'];
  if (fromEnv && fromEnv.trim() !== '') return fromEnv;
  return `${osUser(env)}@${hostname()}`;
}

/**
 * Who the demo's dashboard token signs in as: `$DRIFTLESS_ACTOR`, else the
 * OS user's name (no hostname: it is one machine's demo).
 */
export function dashboardUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['DRIFTLESS_ACTOR'];
  return fromEnv && fromEnv.trim() !== '' ? fromEnv : osUser(env);
}

/** The OS user's name; `$USER` when the account has no passwd entry (containers with an arbitrary uid). */
function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? 'unknown';
  }
}
