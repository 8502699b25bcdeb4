import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHubStateStoreContract, sampleHubState } from '../testing/hub-state-store-contract.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { fileHubStateStore } from './file-hub-state.js';
import { memoryHubStateStore } from './memory-hub-state.js';

const cacheDir = tempDirs('hub-state');

describeHubStateStoreContract('file in the cache directory', async () => fileHubStateStore(await cacheDir(), 'file:/store'));
describeHubStateStoreContract('memory', () => Promise.resolve(memoryHubStateStore()));

describe('fileHubStateStore', () => {
  it('keeps one state per store key in the same cache directory', async () => {
    const dir = await cacheDir();
    await fileHubStateStore(dir, 's3://a/fleet').save(sampleHubState('a'));
    await fileHubStateStore(dir, 's3://b/fleet').save(sampleHubState('b'));
    expect((await fileHubStateStore(dir, 's3://a/fleet').load())?.id).toBe('a');
    expect((await fileHubStateStore(dir, 's3://b/fleet').load())?.id).toBe('b');
  });

  it.each([
    ['not JSON', '{"format":'],
    ['of another format', JSON.stringify({ ...sampleHubState('x'), format: 'driftless-hub-state-1' })],
    ['missing its pointers', JSON.stringify({ ...sampleHubState('x'), publish: {} })],
  ])('loads a state file that is %s as no state', async (_what, text) => {
    const dir = await cacheDir();
    const states = fileHubStateStore(dir, 'file:/store');
    await states.save(sampleHubState('x'));
    const [file] = await readdir(join(dir, 'state'));
    await writeFile(join(dir, 'state', file ?? ''), text);
    expect(await states.load()).toBeUndefined();
  });
});
