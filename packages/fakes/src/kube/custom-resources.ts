import type { KindInfo } from './kind-table.js';

type Json = Record<string, unknown>;

const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly statusSubresource: boolean;
}

function versionsOf(crd: Json): CrdVersion[] {
  const versions = record(crd['spec'])['versions'];
  return (Array.isArray(versions) ? versions : []).map((v) => {
    const version = record(v);
    return {
      name: text(version['name']),
      served: version['served'] === true,
      storage: version['storage'] === true,
      statusSubresource: record(version['subresources'])['status'] !== undefined,
    };
  });
}

/** Why the API server would refuse this CustomResourceDefinition (HTTP 422), or undefined. A few structural rules only. */
export function crdInvalidity(crd: Json): string | undefined {
  const name = text(record(crd['metadata'])['name']);
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const invalid = (field: string, why: string): string => `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${field}: ${why}`;
  if (!text(spec['group']) || !text(names['plural']) || !text(names['kind'])) {
    return invalid('spec', 'Required value: group, names.plural and names.kind');
  }
  if (name !== `${text(names['plural'])}.${text(spec['group'])}`) {
    return invalid('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  }
  const versions = versionsOf(crd);
  if (versions.length === 0 || versions.filter((v) => v.storage).length !== 1) {
    return invalid('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  }
  return undefined;
}

/** The kinds a CustomResourceDefinition makes the server serve: one per served version. */
export function crdKinds(crd: Json): { apiVersion: string; info: KindInfo }[] {
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const crdName = text(record(crd['metadata'])['name']);
  return versionsOf(crd)
    .filter((v) => v.served)
    .map((v) => ({
      apiVersion: `${text(spec['group'])}/${v.name}`,
      info: {
        kind: text(names['kind']),
        resource: text(names['plural']),
        namespaced: spec['scope'] === 'Namespaced',
        generation: 'spec',
        statusSubresource: v.statusSubresource,
        crd: crdName,
      },
    }));
}

/**
 * What the API server's own CRD controllers do, at once rather than within
 * moments: default the names (singular, listKind) and conversion, accept the
 * names and mark the definition Established. `now` is an RFC 3339 time.
 */
export function establish(crd: Json, now: string): void {
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const kind = text(names['kind']);
  const defaulted = { ...names, singular: text(names['singular']) || kind.toLowerCase(), listKind: text(names['listKind']) || `${kind}List` };
  crd['spec'] = { ...spec, names: defaulted, conversion: spec['conversion'] ?? { strategy: 'None' } };
  const storage = versionsOf(crd).find((v) => v.storage)?.name;
  const condition = (type: string, reason: string, message: string): Json => ({ lastTransitionTime: now, message, reason, status: 'True', type });
  crd['status'] = {
    acceptedNames: defaulted,
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: storage ? [storage] : [],
  };
}
