import type { HubState, HubStateStore } from './hub-state.js';

/**
 * Hub state kept in memory, for tests and the bench's simulations. It keeps a
 * copy, so changing a state after saving it (or one that was loaded) changes
 * nothing saved.
 */
export function memoryHubStateStore(): HubStateStore {
  let saved: HubState | undefined;
  return {
    load: () => Promise.resolve(saved === undefined ? undefined : structuredClone(saved)),
    save: (state) => {
      saved = structuredClone(state);
      return Promise.resolve();
    },
  };
}
