import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkspace, importsOf, type WorkspaceSource } from './dependency-rules.js';

const ROOT = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

function loadWorkspaces(): WorkspaceSource[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as WorkspaceSource['manifest'] & {
      name: string;
    };
    const files = sourceFiles(join(ROOT, dir, 'src')).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }));
    const tsconfig = JSON.parse(readFileSync(join(ROOT, dir, 'tsconfig.json'), 'utf8')) as { exclude?: string[] };
    return { name: manifest.name, dir, manifest, files, buildExcludes: tsconfig.exclude ?? [] };
  });
}

const ws = (over: Partial<WorkspaceSource> & { name: string; dir: string }): WorkspaceSource => ({
  manifest: {},
  files: [],
  ...over,
});

describe('dependency rules (DESIGN.md)', () => {
  it('hold for every workspace of this repository', () => {
    const workspaces = loadWorkspaces();
    expect(workspaces.map((w) => w.name)).toContain('@driftless/core');
    expect(workspaces.flatMap(checkWorkspace)).toEqual([]);
  });

  it('finds static, type-only, re-exported and dynamic imports', () => {
    const text = `import a from 'a';\nimport type { B } from "b";\nexport * from './c.js';\nconst d = await import('d');\n// import x from 'commented';`;
    expect(importsOf(text)).toEqual(['a', 'b', './c.js', 'd']);
  });

  it.each([
    {
      why: 'hub importing agent',
      w: ws({ name: '@driftless/hub', dir: 'hub', manifest: { dependencies: { '@driftless/agent': '0.1.0' } } }),
      expected: 'must not depend on @driftless/agent',
    },
    {
      why: 'core depending on store',
      w: ws({ name: '@driftless/core', dir: 'packages/core', manifest: { dependencies: { '@driftless/store': '0.1.0' } } }),
      expected: 'must not depend on @driftless/store',
    },
    {
      why: 'an undeclared package',
      w: ws({ name: '@driftless/store', dir: 'packages/store', files: [{ path: 'packages/store/src/s3.ts', text: `import { S3Client } from '@aws-sdk/client-s3';` }] }),
      expected: 'imports @aws-sdk/client-s3, which packages/store/package.json does not declare',
    },
    {
      why: 'core doing file I/O',
      w: ws({ name: '@driftless/core', dir: 'packages/core', files: [{ path: 'packages/core/src/x.ts', text: `import { readFile } from 'node:fs/promises';` }] }),
      expected: 'core must not import node:fs/promises',
    },
    {
      why: 'core reading the clock',
      w: ws({ name: '@driftless/core', dir: 'packages/core', files: [{ path: 'packages/core/src/x.ts', text: 'export const t = Date.now();' }] }),
      expected: 'core must not use Date.now()',
    },
    {
      why: 'core reading the environment',
      w: ws({ name: '@driftless/core', dir: 'packages/core', files: [{ path: 'packages/core/src/x.ts', text: `export const v = process.env['X'];` }] }),
      expected: 'core must not use process.env',
    },
    {
      why: 'a relative import into another workspace',
      w: ws({ name: '@driftless/agent', dir: 'agent', files: [{ path: 'agent/src/loop.ts', text: `import { x } from '../../hub/src/x.js';` }] }),
      expected: 'leaves agent/src',
    },
    {
      why: 'production code using the testkit',
      w: ws({
        name: '@driftless/agent',
        dir: 'agent',
        manifest: { devDependencies: { '@driftless/testkit': '0.1.0' } },
        files: [{ path: 'agent/src/loop.ts', text: `import { startEnvironment } from '@driftless/testkit';` }],
      }),
      expected: 'must not import @driftless/testkit',
    },
    {
      why: 'production code of hub using a fake',
      w: ws({
        name: '@driftless/hub',
        dir: 'hub',
        manifest: { devDependencies: { '@driftless/fakes': '0.1.0' } },
        files: [{ path: 'hub/src/hub.ts', text: `import { MemoryObjectStore } from '@driftless/fakes';` }],
      }),
      expected: 'production code of @driftless/hub must not import @driftless/fakes',
    },
    {
      why: 'production code of an adapter using the contract suites',
      w: ws({
        name: '@driftless/store',
        dir: 'packages/store',
        manifest: { devDependencies: { '@driftless/contracts': '0.1.0' } },
        files: [{ path: 'packages/store/src/s3-store.ts', text: `import { uniqueName } from '@driftless/contracts';` }],
      }),
      expected: 'production code of @driftless/store must not import @driftless/contracts',
    },
    {
      why: 'the bench using the contract suites outside its tests',
      w: ws({
        name: '@driftless/bench',
        dir: 'bench',
        manifest: { devDependencies: { '@driftless/contracts': '0.1.0' } },
        files: [{ path: 'bench/src/run.ts', text: `import { uniqueName } from '@driftless/contracts';` }],
      }),
      expected: 'must not import @driftless/contracts',
    },
    {
      why: 'test tooling declared as a production dependency of agent',
      w: ws({ name: '@driftless/agent', dir: 'agent', manifest: { dependencies: { '@driftless/fakes': '0.1.0' } } }),
      expected: '@driftless/fakes is for tests of @driftless/agent only; declare it in devDependencies',
    },
    {
      why: 'fakes depending on an adapter',
      w: ws({ name: '@driftless/fakes', dir: 'packages/fakes', manifest: { dependencies: { '@driftless/store': '0.1.0' } } }),
      expected: 'must not depend on @driftless/store',
    },
    {
      why: 'contracts depending on the testkit (a cycle through the adapters)',
      w: ws({ name: '@driftless/contracts', dir: 'packages/contracts', manifest: { devDependencies: { '@driftless/testkit': '0.1.0' } } }),
      expected: 'must not depend on @driftless/testkit',
    },
    {
      why: 'production code importing a test helper of its own workspace',
      w: ws({ name: '@driftless/agent', dir: 'agent', files: [{ path: 'agent/src/agent.ts', text: `import { publishBundle } from './testing/publish.js';` }] }),
      expected: 'agent/src/agent.ts: production code must not import ./testing/publish.js (test helpers are for tests only)',
    },
    {
      why: 'production code reaching a test helper from a subdirectory',
      w: ws({ name: '@driftless/hub', dir: 'hub', files: [{ path: 'hub/src/publish/blobs.ts', text: `export { unitHub } from '../testing/unit-hub.js';` }] }),
      expected: 'hub/src/publish/blobs.ts: production code must not import ../testing/unit-hub.js',
    },
    {
      why: 'test helpers built into dist',
      w: ws({ name: '@driftless/agent', dir: 'agent', manifest: { dependencies: { '@driftless/core': '0.1.0' } }, buildExcludes: ['src/**/*.test.ts'], files: [{ path: 'agent/src/testing/publish.ts', text: `import { storeLayout } from '@driftless/core';` }] }),
      expected: 'agent/tsconfig.json: src/testing holds test helpers; exclude it from the build',
    },
    {
      why: 'an adapter depending on the testkit (a cycle)',
      w: ws({ name: '@driftless/kube', dir: 'packages/kube', manifest: { devDependencies: { '@driftless/testkit': '0.1.0' } } }),
      expected: 'must not depend on @driftless/testkit',
    },
  ])('rejects $why', ({ w, expected }) => {
    const problems = checkWorkspace(w);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('allows adapters to run the contract suites in tests, and the bench to simulate clusters on fakes', () => {
    const store = ws({
      name: '@driftless/store',
      dir: 'packages/store',
      manifest: { devDependencies: { '@driftless/contracts': '0.1.0' } },
      files: [{ path: 'packages/store/src/file-store.test.ts', text: `import { describeObjectStoreContract } from '@driftless/contracts';` }],
    });
    const bench = ws({
      name: '@driftless/bench',
      dir: 'bench',
      manifest: { dependencies: { '@driftless/fakes': '0.1.0', '@driftless/testkit': '0.1.0' } },
      files: [{ path: 'bench/src/fleet/virtual-driver.ts', text: `import { VirtualClock } from '@driftless/fakes';\nimport { clusterName } from '@driftless/testkit';` }],
    });
    expect([store, bench].flatMap(checkWorkspace)).toEqual([]);
  });

  it('counts src/testing/ as test code: it may use test tooling and other test helpers, as tests may use it', () => {
    const hub = ws({
      name: '@driftless/hub',
      dir: 'hub',
      buildExcludes: ['src/**/*.test.ts', 'src/testing'],
      manifest: { devDependencies: { '@driftless/fakes': '0.1.0', '@driftless/contracts': '0.1.0' } },
      files: [
        { path: 'hub/src/testing/unit-hub.ts', text: `import { MemoryObjectStore } from '@driftless/fakes';\nimport { reads } from './store-reads.js';` },
        { path: 'hub/src/testing/store-reads.ts', text: `import { uniqueName } from '@driftless/contracts';` },
        { path: 'hub/src/hub.test.ts', text: `import { unitHub } from './testing/unit-hub.js';` },
        { path: 'hub/src/publish/publish.test.ts', text: `import { unitHub } from '../testing/unit-hub.js';` },
      ],
    });
    const core = ws({ name: '@driftless/core', dir: 'packages/core', buildExcludes: ['src/testing'], files: [{ path: 'packages/core/src/testing/fixtures.ts', text: `import { readFileSync } from 'node:fs';\nexport const t = Date.now();` }] });
    expect([hub, core].flatMap(checkWorkspace)).toEqual([]);
  });

  it('counts a testing/ directory deeper in src as test code, which the build must exclude too', () => {
    const files = [
      { path: 'hub/src/dashboard/testing/fixture.ts', text: `import { VirtualClock } from '@driftless/fakes';\nimport { unitHub } from '../../testing/unit-hub.js';` },
      { path: 'hub/src/dashboard/api.test.ts', text: `import { f } from './testing/fixture.js';` },
    ];
    const manifest = { devDependencies: { '@driftless/fakes': '0.1.0' } };
    const excluded = ws({ name: '@driftless/hub', dir: 'hub', manifest, buildExcludes: ['src/**/*.test.ts', 'src/dashboard/testing'], files });
    expect(checkWorkspace(excluded)).toEqual([]);
    const built = ws({ name: '@driftless/hub', dir: 'hub', manifest, buildExcludes: ['src/**/*.test.ts'], files });
    expect(checkWorkspace(built)).toEqual(['hub/tsconfig.json: src/dashboard/testing holds test helpers; exclude it from the build as the tests are']);
  });

  it('lets a test, not production code, import a sibling tree of its own workspace (hub/web), never another workspace', () => {
    const files = (from: string) => [{ path: from, text: `import * as web from '../../web/src/constants.js';` }];
    expect(checkWorkspace(ws({ name: '@driftless/hub', dir: 'hub', files: files('hub/src/dashboard/web.test.ts') }))).toEqual([]);
    expect(checkWorkspace(ws({ name: '@driftless/hub', dir: 'hub', files: files('hub/src/dashboard/web.ts') }))).toEqual([
      'hub/src/dashboard/web.ts: relative import ../../web/src/constants.js leaves hub/src; import the workspace by name',
    ]);
    const other = [{ path: 'hub/src/x.test.ts', text: `import { y } from '../../agent/src/y.js';` }];
    expect(checkWorkspace(ws({ name: '@driftless/hub', dir: 'hub', files: other }))).toEqual(['hub/src/x.test.ts: relative import ../../agent/src/y.js leaves hub/src; import the workspace by name']);
  });

  it('allows production code a module whose name only contains "testing"', () => {
    const w = ws({ name: '@driftless/agent', dir: 'agent', files: [{ path: 'agent/src/agent.ts', text: `import { x } from './load-testing.js';\nimport { y } from './testing-notes/y.js';` }] });
    expect(checkWorkspace(w)).toEqual([]);
  });

  it('allows a test in core to use the file system, and core to hash', () => {
    const w = ws({
      name: '@driftless/core',
      dir: 'packages/core',
      files: [
        { path: 'packages/core/src/x.test.ts', text: `import { readFileSync } from 'node:fs';` },
        { path: 'packages/core/src/digest.ts', text: `import { createHash } from 'node:crypto';` },
      ],
    });
    expect(checkWorkspace(w)).toEqual([]);
  });
});
