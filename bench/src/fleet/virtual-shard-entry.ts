import { parentPort, workerData } from 'node:worker_threads';
import type { ShardOrder, ShardSetup } from './shard-protocol.js';
import { createVirtualShard } from './virtual-shard.js';

/**
 * The entry point of one worker thread of the virtual fleet (see
 * virtual-fleet.ts): one shard, answering each window's order with its report.
 */
const port = parentPort;
if (!port) throw new Error('virtual-shard-entry runs as a worker thread');
const shard = createVirtualShard(workerData as ShardSetup);
port.on('message', (order: ShardOrder) => {
  shard.step(order).then(
    (report) => port.postMessage(report),
    // Thrown outside the promise: the thread fails, and the coordinator's 'error' handler says why.
    (err: unknown) =>
      setImmediate(() => {
        throw err;
      }),
  );
});
