import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardOrder, ShardReport, ShardSetup } from './shard-protocol.js';
import { createVirtualShard } from './virtual-shard.js';

/** How the coordinator reaches one shard: one order, one report, strictly in turn. */
export interface ShardLink {
  step(order: ShardOrder): Promise<ShardReport>;
  close(): Promise<void>;
}

/** The shard on this thread (tests): the very same logic, without a thread to start. */
export function inProcessLink(setup: ShardSetup): ShardLink {
  const shard = createVirtualShard(setup);
  return { step: (order) => shard.step(order), close: () => Promise.resolve() };
}

/**
 * The shard in a worker thread of its own, with its own heap. A thread that
 * fails (or exits) fails the order in flight and every later one, with why.
 */
export function workerLink(setup: ShardSetup, index: number): ShardLink {
  const worker = new Worker(entryPath(), { workerData: setup, execArgv: builtConditions(process.execArgv) });
  let waiting: { resolve(r: ShardReport): void; reject(err: Error): void } | undefined;
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    waiting?.reject(failure);
    waiting = undefined;
  };
  worker.on('message', (report: ShardReport) => {
    const w = waiting;
    waiting = undefined;
    w?.resolve(report);
  });
  worker.on('error', (err) => fail(new Error(`virtual shard ${index} failed: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => fail(new Error(`virtual shard ${index} exited with code ${code}`)));
  return {
    step(order) {
      if (failure) return Promise.reject(failure);
      return new Promise<ShardReport>((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage(order);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** virtual-shard-entry.js beside this module; run from the sources (vitest), the built one in dist (a worker loads JavaScript). */
function entryPath(): string {
  const built = fileURLToPath(new URL('./virtual-shard-entry.js', import.meta.url));
  return existsSync(built) ? built : built.replace(/([\\/])src([\\/]fleet[\\/])/, '$1dist$2');
}

/**
 * This process's flags for a thread that runs the built JavaScript: without
 * export conditions (vitest asks for `@driftless/source`, which would make the
 * thread load TypeScript sources it cannot run); everything else (a profiler) stays.
 */
export function builtConditions(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    if (arg === '--conditions' || arg === '-C') i += 1;
    else if (!arg.startsWith('--conditions=')) kept.push(arg);
  }
  return kept;
}
