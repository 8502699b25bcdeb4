import type * as CompileModule from '../compile.js';
import type { CompiledDelivery } from '../compile.js';

/**
 * The `spec.delivery` tests give every compile (undefined: none). fleet.yaml's
 * delivery is parsed by another part of issue 12; until then tests set it here.
 */
export const deliveryOverride: { current: CompiledDelivery | undefined } = { current: undefined };

/**
 * compile.js with compileFleet adding `deliveryOverride.current`: a test's
 * `vi.mock('…/compile.js', async (orig) => (await import('…')).compileWithDelivery(orig))`.
 */
export async function compileWithDelivery(importOriginal: () => Promise<typeof CompileModule>): Promise<typeof CompileModule> {
  const orig = await importOriginal();
  return {
    ...orig,
    compileFleet: async (...args: Parameters<typeof orig.compileFleet>) => {
      const compiled = await orig.compileFleet(...args);
      return deliveryOverride.current ? { ...compiled, delivery: deliveryOverride.current } : compiled;
    },
  };
}
