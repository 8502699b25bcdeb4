import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { systemClock } from '@driftless/clock';
import { storeLayout } from '@driftless/core';
import { MemoryKubeTarget } from '@driftless/fakes';
import { openStore } from '@driftless/store';
import type { AgentPollMeasure } from './agent-poll.js';
import { benchAgent } from './agent-process.js';

// The measured process of measureAgentPoll: `STORE_URL CLUSTER POLLS [PROFILE]`, the store's credentials in
// the AWS variables; the agent with the store `driftless agent` opens and an in-memory cluster; one JSON line on stdout.
const [storeUrl = '', cluster = '', pollsArg = '100', profilePath = ''] = process.argv.slice(2);
const polls = Number(pollsArg);
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

const opened = await openStore(storeUrl, process.env, process.cwd());
const kube = new MemoryKubeTarget({ clock: systemClock, controllers: 'instant' });
const agent = benchAgent(opened.store, kube, cluster);

const first = await agent.runOnce();
if (first.poll !== 'changed' || first.phase === 'Failed') throw new Error(`agent poll bench: the first pass ended ${first.phase}: ${first.error ?? ''}`);
// Warm up: the first idle passes pay for lazy loading and JIT compilation, which a long-running agent paid once.
for (let i = 0; i < 20; i++) await agent.runOnce();

const session = new Session();
if (profilePath) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
let statusWrites = 0;
const passStart = process.cpuUsage();
const passWall = performance.now();
for (let i = 0; i < polls; i++) {
  const r = await agent.runOnce();
  if (r.poll !== 'not-modified') throw new Error(`agent poll bench: an idle pass polled ${r.poll}: ${r.error ?? ''}`);
  if (r.statusWritten) statusWrites++;
}
const passCpu = process.cpuUsage(passStart);
const passMs = performance.now() - passWall;

// The pointer read alone, as the agent makes it: a conditional GET answered 304.
const key = storeLayout.pointer(cluster);
const found = await opened.store.get(key);
if (found.kind !== 'found') throw new Error(`agent poll bench: pointer ${key} read ${found.kind}`);
const getStart = process.cpuUsage();
const getWall = performance.now();
for (let i = 0; i < polls; i++) {
  const got = await opened.store.get(key, { ifNoneMatch: found.etag, maxBytes: 64 * 1024 });
  if (got.kind !== 'not-modified') throw new Error(`agent poll bench: a conditional GET answered ${got.kind}`);
}
const getCpu = process.cpuUsage(getStart);
const getMs = performance.now() - getWall;
if (profilePath) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(profilePath, JSON.stringify(profile));
  session.disconnect();
}
opened.close();

const out: AgentPollMeasure = {
  polls,
  pass: { cpuMsPerPoll: round3(cpuMs(passCpu) / polls), wallMsPerPoll: round3(passMs / polls), statusWrites },
  conditionalGet: { cpuMsPerPoll: round3(cpuMs(getCpu) / polls), wallMsPerPoll: round3(getMs / polls) },
};
process.stdout.write(`${JSON.stringify(out)}\n`);
