import { parseFlagFile } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { flagdTargetingProblem } from './flagd-targeting.js';

const good = 'type: permission\nowner: web\nvariants: { "on": true, "off": false }\ndefaultVariant: "off"\nrollout: []\nnamespaces: [shop]';
const errorOf = (rule: string): string => {
  try {
    parseFlagFile(`${good}\ntargeting: ${rule}`, 'flags/x.yaml', { validateTargeting: flagdTargetingProblem });
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('flagdTargetingProblem', () => {
  it('refuses a malformed targeting rule flagd cannot parse, and accepts flagd operators', () => {
    expect(errorOf('{"no_such_op": [1, 2]}')).toMatch(/^flags\/x.yaml:7: targeting: flagd cannot parse this JsonLogic rule/);
    expect(errorOf('{"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "user"}]}, ["on", 50], ["off", 50]]}')).toBe('no error');
    expect(errorOf('{"if": [{"sem_ver": [{"var": "version"}, ">=", "1.2.0"]}, "on", null]}')).toBe('no error');
  });
});
