import { compileError } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { createHub, memoryHubStateStore } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { publishCommit } from './publish-commit.js';
import { scenarioCommit } from './scenario-fleet.js';

describe('publishCommit', () => {
  it('stops the bench when the hub refuses clusters, naming them, instead of leaving them unexpected', async () => {
    const repo = new MemoryRepository();
    let ids = 0;
    const hub = createHub({
      source: repo,
      renderers: { kustomize: Object.assign((_r: unknown, dir: string) => Promise.reject(compileError(dir, undefined, 'no kustomize here')), { identity: () => Promise.resolve('none') }) },
      store: new MemoryObjectStore(),
      state: memoryHubStateStore(),
      clock: new VirtualClock(0),
      newId: () => `id-${++ids}`,
    });
    const first = scenarioCommit(0, 3, 2);
    repo.commit(first.files, first.message);
    await publishCommit(hub, repo.url);
    // Every app gone from fleet.yaml: every cluster would lose all of its objects.
    repo.commit({ 'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps: []\n' }, 'drop every app');
    await expect(publishCommit(hub, repo.url)).rejects.toMatchObject({
      code: 'PublishRefused',
      message: expect.stringMatching(/refused 3 cluster\(s\) \(c-00000, c-00001, c-00002\): would remove/) as unknown,
    });
  });
});
