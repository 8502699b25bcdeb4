import { describe, expect, it } from 'vitest';
import { referencedVariables, substituteVariables } from './substitute.js';

const ctx = { clusterName: 'eu-prod-001', labels: { env: 'prod', ring: '1' }, vars: { replicas: '3', region: 'eu-west-1' } };

describe('substituteVariables', () => {
  it('replaces cluster name, labels and vars', () => {
    const text = 'name: ${cluster.name}\nenv: ${cluster.labels.env}\nreplicas: ${vars.replicas}\nr: ${ vars.region }\n';
    expect(substituteVariables(text, 'a.yaml', ctx)).toBe('name: eu-prod-001\nenv: prod\nreplicas: 3\nr: eu-west-1\n');
  });

  it('keeps $${…} as a literal ${…}', () => {
    expect(substituteVariables('cmd: echo $${HOME} ${vars.replicas}', 'a.yaml', ctx)).toBe('cmd: echo ${HOME} 3');
  });

  it('leaves text without references untouched', () => {
    expect(substituteVariables('a: $HOME {x}', 'a.yaml', ctx)).toBe('a: $HOME {x}');
  });

  it.each([
    ['vars.replica', 'apps/web/deploy.yaml:3: unknown variable ${vars.replica} for cluster eu-prod-001 (its vars are: region, replicas)'],
    ['cluster.labels.tier', 'apps/web/deploy.yaml:3: unknown variable ${cluster.labels.tier} for cluster eu-prod-001 (its labels are: env, ring)'],
    ['env.HOME', 'apps/web/deploy.yaml:3: unknown variable ${env.HOME} for cluster eu-prod-001; use ${cluster.name}, ${cluster.labels.KEY} or ${vars.KEY}'],
    ['vars.toString', 'unknown variable ${vars.toString}'],
  ])('refuses the unknown variable %s, naming it, the file and the line', (name, message) => {
    const text = `a: 1\nb: 2\nc: \${${name}}\n`;
    expect(() => substituteVariables(text, 'apps/web/deploy.yaml', ctx)).toThrow(message);
  });

  it('lists referenced variables without escapes', () => {
    expect(referencedVariables('${vars.b} ${cluster.name} $${vars.x} ${vars.b}')).toEqual(['cluster.name', 'vars.b']);
  });
});
