import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { clusterYaml, flagFleetYaml, WEB_MANIFEST } from '../testing/flag-fleet.js';
import { auditRecorder } from '../testing/test-rollout-machine.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { setFlagOverride } from './flag-override.js';
import { flagReport } from './flag-report.js';

// One ring (rest) holds eu and us clusters; Git gives eu `off` by a label rule.
const delivery = `  delivery:
    rings:
      - name: canary
        selector: { matchLabels: { ring: canary } }
      - name: rest
        selector: {}
`;
const CHECKOUT = `type: kill-switch
owner: team-checkout
variants: { "on": true, "off": false }
defaultVariant: "on"
rollout: [{ selector: { matchLabels: { region: eu } }, variant: "off" }]
namespaces: [shop]
`;
const FILES = {
  'fleet.yaml': flagFleetYaml({ delivery }),
  'apps/web/web.yaml': WEB_MANIFEST,
  'clusters/can-1.yaml': clusterYaml('can-1', { ring: 'canary', region: 'us' }),
  'clusters/eu-1.yaml': clusterYaml('eu-1', { region: 'eu' }),
  'clusters/us-1.yaml': clusterYaml('us-1', { region: 'us' }),
  'flags/checkout.yaml': CHECKOUT,
};

describe('driftless flags report', () => {
  it('shows a selector override as agreeing with Git once Git gives the selected clusters its variant, in a ring of mixed clusters', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES);
    const store = new MemoryObjectStore();
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00Z'));
    const audit = auditRecorder();
    await createHub(unitHubDeps({ source: repo, store, clock, audit })).compile({ repo: repo.url });
    await setFlagOverride({ store, clock, audit, newId: () => 'id', log: quietLog }, { flag: 'checkout', variant: 'off', selector: 'region=eu', actor: 'oncall', reason: 'incident 7' });

    const [row] = (await flagReport(store, clock)).flags;
    expect(row?.variantsByRing['rest'], 'the ring has both variants').toEqual(['off', 'on']);
    expect(row?.override).toMatchObject({ variant: 'off', selector: 'region=eu', divergesFromGit: false });
  });
});
