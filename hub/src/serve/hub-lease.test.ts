import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describeHubLease } from '../testing/hub-lease-cases.js';

describeHubLease('in-memory store', () => new MemoryObjectStore({ clock: new VirtualClock() }));
