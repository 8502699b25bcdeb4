import { describeLeaseLockContract } from '@driftless/contracts';
import { MemoryLeaseLock } from './memory-lease-lock.js';

describeLeaseLockContract('memory', () => {
  const lock = new MemoryLeaseLock();
  return { lock, another: () => lock.handle() };
});
