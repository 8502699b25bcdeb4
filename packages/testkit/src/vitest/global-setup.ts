import type { TestProject } from 'vitest/node';
import { startEnvironment, type EnvironmentInfo } from '../env/environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoints of the real components started once for the integration run. */
    driftlessEnv: EnvironmentInfo;
  }
}

/**
 * Vitest global setup for integration tests: starts one real environment for
 * the whole run (building missing components first) and stops it afterwards,
 * whether tests passed or failed. Tests read it with `inject('driftlessEnv')`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await startEnvironment({ log: (line) => process.stderr.write(`${line}\n`) });
  project.provide('driftlessEnv', env.info);
  return async () => {
    await env.stop();
  };
}
