import { builtinModules } from 'node:module';
import ts from 'typescript';

/** One workspace as the checker sees it: its manifest and the text of its source files. */
export interface WorkspaceSource {
  readonly name: string;
  /** Directory relative to the repository root, e.g. `packages/core`. */
  readonly dir: string;
  readonly manifest: {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  /** Files under `<dir>/src`, paths relative to the repository root. */
  readonly files: readonly { path: string; text: string }[];
  /** The `exclude` list of `<dir>/tsconfig.json`: what stays out of the build (dist). */
  readonly buildExcludes?: readonly string[];
}

const CORE = '@driftless/core';
const CONTRACTS = '@driftless/contracts';
const FAKES = '@driftless/fakes';
const TESTKIT = '@driftless/testkit';
/** What hub and agent may declare: every package below them, the test tooling for their tests only. */
const BELOW_HUB_AND_AGENT = [CORE, '@driftless/clock', '@driftless/store', '@driftless/kube', '@driftless/prometheus', CONTRACTS, FAKES, TESTKIT];

/**
 * The dependency direction of DESIGN.md: core <- clock, store, kube, prometheus, contracts, fakes
 * <- testkit <- hub, agent <- bench (<- cli, the entry point). A workspace may
 * depend only on those listed for it; hub and agent never on each other.
 * Contracts and fakes depend on core alone, so the adapters run the contract
 * suites beside their own code without a cycle through the testkit.
 */
export const ALLOWED_WORKSPACE_DEPS: Readonly<Record<string, readonly string[]>> = {
  [CORE]: [],
  [CONTRACTS]: [CORE],
  '@driftless/clock': [CORE],
  '@driftless/store': [CORE, CONTRACTS],
  '@driftless/kube': [CORE, CONTRACTS],
  // The wall clock waits out its retries; the testkit (tests only) runs its contract on the real Prometheus with the test exporter.
  '@driftless/prometheus': [CORE, '@driftless/clock', CONTRACTS, TESTKIT],
  [FAKES]: [CORE, CONTRACTS],
  [TESTKIT]: [CORE, '@driftless/store', '@driftless/kube', CONTRACTS, FAKES],
  '@driftless/hub': BELOW_HUB_AND_AGENT,
  '@driftless/agent': BELOW_HUB_AND_AGENT,
  '@driftless/bench': [...BELOW_HUB_AND_AGENT, '@driftless/hub', '@driftless/agent'],
  driftless: [...BELOW_HUB_AND_AGENT, '@driftless/hub', '@driftless/agent', '@driftless/bench'],
};

/**
 * Test tooling, by the workspaces whose production code may use it; everywhere
 * else it is for test code only (`*.test.ts` and `src/testing/`, declared as a
 * devDependency). The contract suites are vitest suites: tests only, always.
 * Fakes and the testkit (it starts real servers) serve the bench's simulated
 * clusters and `driftless dev up`.
 */
const TEST_TOOLING_IN_PRODUCTION: Readonly<Record<string, ReadonlySet<string>>> = {
  [CONTRACTS]: new Set(),
  [FAKES]: new Set(['@driftless/bench', 'driftless']),
  [TESTKIT]: new Set(['@driftless/bench', 'driftless']),
};

/** Whether `ws` may use `pkg` in production code (anything is fine in tests, within ALLOWED_WORKSPACE_DEPS). */
function usableInProduction(ws: string, pkg: string): boolean {
  return TEST_TOOLING_IN_PRODUCTION[pkg]?.has(ws) ?? true;
}

/** Node built-ins core may use: computation only, no I/O, clocks or environment. */
const CORE_BUILTINS = new Set(['node:crypto', 'node:zlib', 'node:buffer', 'node:util', 'node:path']);

/** Things core must not call: it is pure and deterministic (STYLE.md). */
const CORE_FORBIDDEN: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\bDate\.now\s*\(/, what: 'Date.now() (inject a Clock)' },
  { pattern: /\bnew Date\s*\(\s*\)/, what: 'new Date() (inject a Clock)' },
  { pattern: /\bMath\.random\s*\(/, what: 'Math.random() (inject an Rng)' },
  { pattern: /\bprocess\.env\b/, what: 'process.env (pass configuration in)' },
  { pattern: /\b(setTimeout|setInterval|setImmediate)\s*\(/, what: 'timers (inject a Clock)' },
];

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The module specifiers a TypeScript file imports or re-exports, dynamic imports included. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Test code: `*.test.ts`, and the helpers tests share under a `testing/`
 * directory of src (`src/testing/`, or one beside the code it serves, as
 * `src/dashboard/testing/`; the workspaces' tsconfig keeps them out of dist).
 * Anything else is production code.
 */
function isTestFile(path: string): boolean {
  return /\.test\.ts$/.test(path) || testingDirOf(path) !== undefined;
}

/** The `src/…/testing` directory `path` is in (relative to its workspace), or undefined. */
function testingDirOf(path: string): string | undefined {
  return /\/(src\/(?:[^/]+\/)*?testing)\//.exec(path)?.[1];
}

/** Whether a relative import reaches into a `testing/` directory: a test helper. */
function isTestHelperImport(spec: string): boolean {
  return spec.split('/').slice(0, -1).includes('testing');
}

/** Every violation of the dependency rules in `ws`, as `file: message` lines; empty when it complies. */
export function checkWorkspace(ws: WorkspaceSource): string[] {
  const problems: string[] = [];
  const declared = new Set([
    ...Object.keys(ws.manifest.dependencies ?? {}),
    ...Object.keys(ws.manifest.devDependencies ?? {}),
    ...Object.keys(ws.manifest.peerDependencies ?? {}),
  ]);
  const allowed = ALLOWED_WORKSPACE_DEPS[ws.name];
  if (!allowed) return [`${ws.dir}/package.json: ${ws.name} is not a known workspace`];
  for (const dep of declared) {
    if (dep in ALLOWED_WORKSPACE_DEPS && !allowed.includes(dep)) {
      problems.push(`${ws.dir}/package.json: ${ws.name} must not depend on ${dep} (dependency direction, DESIGN.md)`);
    }
  }
  for (const dep of Object.keys(ws.manifest.dependencies ?? {})) {
    if (allowed.includes(dep) && !usableInProduction(ws.name, dep)) {
      problems.push(`${ws.dir}/package.json: ${dep} is for tests of ${ws.name} only; declare it in devDependencies`);
    }
  }
  for (const dir of new Set(ws.files.flatMap((f) => testingDirOf(f.path.slice(ws.dir.length)) ?? []))) {
    if (!ws.buildExcludes?.includes(dir)) problems.push(`${ws.dir}/tsconfig.json: ${dir} holds test helpers; exclude it from the build as the tests are`);
  }
  for (const file of ws.files) {
    for (const spec of importsOf(file.text)) {
      problems.push(...checkImport(ws, file.path, spec, declared));
    }
    if (ws.name === '@driftless/core' && !isTestFile(file.path)) {
      for (const { pattern, what } of CORE_FORBIDDEN) {
        if (pattern.test(file.text)) problems.push(`${file.path}: core must not use ${what}`);
      }
    }
  }
  return [...new Set(problems)];
}

function checkImport(ws: WorkspaceSource, path: string, spec: string, declared: ReadonlySet<string>): string[] {
  if (spec.startsWith('.')) {
    const depth = path.slice(ws.dir.length + 1).split('/').length - 1;
    const ups = spec.split('/').filter((p) => p === '..').length;
    // A test may read a sibling source tree of its own workspace (hub's tests check hub/web's constants).
    if (ups > depth || (ups === depth && !isTestFile(path))) return [`${path}: relative import ${spec} leaves ${ws.dir}/src; import the workspace by name`];
    if (!isTestFile(path) && isTestHelperImport(spec)) return [`${path}: production code must not import ${spec} (test helpers are for tests only)`];
    return [];
  }
  if (BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0] ?? '')) {
    if (ws.name === '@driftless/core' && !isTestFile(path) && !CORE_BUILTINS.has(spec)) {
      return [`${path}: core must not import ${spec} (no I/O in core; allowed: ${[...CORE_BUILTINS].join(', ')})`];
    }
    return [];
  }
  const pkg = packageNameOf(spec);
  if (!declared.has(pkg)) return [`${path}: imports ${pkg}, which ${ws.dir}/package.json does not declare`];
  if (!isTestFile(path) && !usableInProduction(ws.name, pkg)) {
    return [`${path}: production code of ${ws.name} must not import ${pkg} (tests only)`];
  }
  return [];
}
