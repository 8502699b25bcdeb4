import type * as CompileModule from '../compile.js';
import type { PreviewBase } from '../previews/preview-types.js';

/**
 * The PreviewBase tests give every compile (undefined: the compile's own).
 * compileFleet resolves `spec.previews` itself (previewBaseOf); hub tests set
 * one here to drive the preview entry points without preview hosts in the fixture fleet.
 */
export const previewBaseOverride: { current: Omit<PreviewBase, 'revision'> | undefined } = { current: undefined };

/**
 * compile.js with compileFleet adding `previewBaseOverride.current` (with the
 * compiled revision): a test's `vi.mock('…/compile.js', async (orig) => (await import('…')).compileWithPreviewBase(orig))`.
 */
export async function compileWithPreviewBase(importOriginal: () => Promise<typeof CompileModule>): Promise<typeof CompileModule> {
  const orig = await importOriginal();
  return {
    ...orig,
    compileFleet: async (...args: Parameters<typeof orig.compileFleet>) => {
      const compiled = await orig.compileFleet(...args);
      const base = previewBaseOverride.current;
      return base ? { ...compiled, previewBase: { ...base, revision: compiled.revision } } : compiled;
    },
  };
}
