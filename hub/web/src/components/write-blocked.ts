import type { WhoAmI } from '@driftless/hub';

/** Why a change button is disabled (its title), or undefined when the user may write. */
export function writeBlocked(who: WhoAmI | undefined): string | undefined {
  if (who === undefined) return 'checking your rights…';
  if (!who.canWrite) return who.user ? `${who.user} may not make changes (read-only)` : 'sign in with a token to make changes';
  return undefined;
}
