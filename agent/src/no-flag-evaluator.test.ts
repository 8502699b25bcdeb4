import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * A resolve hook that fails any import of an `@openfeature/` package. A
 * child node process registers it and then imports the agent's and core's
 * built entry points (dist, as a deployed agent runs them; `npm run check`
 * builds first): any static or dynamic import of the flag evaluator on that
 * path makes the import reject, whatever file it hides in.
 */
const HOOK = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@openfeature/')) throw new Error('the agent loaded ' + specifier + ' (from ' + context.parentURL + ')');
  return next(specifier, context);
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`)}`;

describe('the agent import graph', () => {
  it('does not load the flagd evaluator: apps evaluate flags, the agent only applies ConfigMaps', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', "await import('@driftless/agent'); await import('@driftless/core'); console.log('ok');"], { cwd: root });
    await expect(run).resolves.toMatchObject({ stdout: 'ok\n' });
  });
});
