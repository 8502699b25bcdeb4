import { describe, expect, it } from 'vitest';
import { mapHelmMessage, splitHelmOutput } from './helm-output.js';

// What `helm template` printed for a chart named `webapp` in the repository directory apps/web.
const OUTPUT = [
  '---',
  '# Source: webapp/templates/cm.yaml',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }',
  '---',
  '# Source: webapp/templates/cm.yaml',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }',
  '---',
  '# Source: webapp/templates/check.yaml',
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations: { "helm.sh/hook": "pre-install, test-failure" }',
  '---',
  '# Source: webapp/charts/sub/templates/job.yaml',
  'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: { "helm.sh/hook": post-install }',
  '---',
  'apiVersion: v1\nkind: Secret\nmetadata: { name: loose }',
  '',
].join('\n');

describe('splitHelmOutput', () => {
  const files = splitHelmOutput(OUTPUT, 'apps/web', 'webapp');

  it('makes one literal file per template, by repository path, and drops test hooks even when helm printed them', () => {
    expect(files.map((f) => [f.path, f.literal])).toEqual([
      ['apps/web/templates/cm.yaml', true],
      ['apps/web/charts/sub/templates/job.yaml', true],
      ['apps/web (helm template)', true],
    ]);
    expect(files[0]?.text).toMatch(/name: a }\n---\n# Source: webapp\/templates\/cm\.yaml\n.*name: b }\n$/s);
    expect(files[1]?.text).toContain('"helm.sh/hook": post-install');
  });
});

describe('mapHelmMessage', () => {
  it('maps the chart name and temporary paths to the repository directory and drops the --debug hint', () => {
    const stderr =
      'Error: execution error at (webapp/templates/cm.yaml:6:8): greeting is required\n\nUse --debug flag to render out invalid YAML\n';
    expect(mapHelmMessage(stderr, 'apps/web', 'webapp', '/tmp/x/chart', '/tmp/x')).toBe('execution error at (apps/web/templates/cm.yaml:6:8): greeting is required');
    expect(mapHelmMessage('Error: failed to parse /tmp/x/values-1.json: bad', 'apps/web', 'webapp', '/tmp/x/chart', '/tmp/x')).toBe('failed to parse values-1.json: bad');
    expect(mapHelmMessage('Error: cannot load /tmp/x/chart/Chart.yaml', 'apps/web', 'webapp', '/tmp/x/chart', '/tmp/x')).toBe('cannot load apps/web/Chart.yaml');
  });

  it("drops helm's slog lines, so the message is said once", () => {
    const stderr =
      'level=ERROR msg="release name check failed" error="invalid release name, must match regex and the length must not be longer than 53"\nError: release name check failed: invalid release name\n';
    expect(mapHelmMessage(stderr, 'apps/web', 'webapp', '/tmp/x/chart', '/tmp/x')).toBe('release name check failed: invalid release name');
  });
});
