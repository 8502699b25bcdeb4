import type { BundleLimits } from '@driftless/core';
import { measureAgentMemory, writeMemoryBenchBlob } from './agent-memory-bench.js';

// The child-process side of measureAgentMemoryPoint: `write FILE OBJECTS PAYLOAD LIMITS` or `measure FILE LIMITS`; one JSON line on stdout.
const [command, file = '', ...rest] = process.argv.slice(2);
if (command === 'write') {
  const [objects = '0', payload = '0', limits = '{}'] = rest;
  process.stdout.write(`${JSON.stringify(await writeMemoryBenchBlob(file, Number(objects), Number(payload), JSON.parse(limits) as BundleLimits))}\n`);
} else if (command === 'measure') {
  process.stdout.write(`${JSON.stringify(await measureAgentMemory(file, JSON.parse(rest[0] ?? '{}') as BundleLimits))}\n`);
} else {
  throw new Error(`agent-memory-main: unknown command ${String(command)}`);
}
