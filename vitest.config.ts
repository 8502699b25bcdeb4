import { defineConfig } from 'vitest/config';

// Tests import workspaces from their TypeScript sources (the `@driftless/source`
// export condition), so they never run against a stale dist/. No `module` condition:
// it would pick bundler-only builds (the AWS SDK's dist-es) that Node cannot load.
const conditions = ['@driftless/source', 'node'];

// Driftless targets Node 20 on purpose (see README); also silences the AWS SDK's
// notice in the global setup, which runs in this process rather than in a test worker.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          globalSetup: ['test/build-setup.ts'],
          include: ['**/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        // Tests against the real components: one running set (MinIO, etcd +
        // kube-apiserver, git server) shared by the whole run; tests isolate
        // themselves by bucket prefix, namespace and repository name.
        extends: true,
        test: {
          name: 'integration',
          include: ['**/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/build-setup.ts', 'packages/testkit/src/vitest/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
