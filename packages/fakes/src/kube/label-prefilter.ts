import type { LabelRequirement } from '@driftless/core';

/**
 * A cheap test on an object's stored JSON that every object matching
 * `requirements` passes: the key of each `exists` or `in` requirement occurs
 * as a JSON key, and one of an `in` requirement's values as a JSON string.
 * Objects that fail it cannot match, so a list need not parse them (an agent
 * lists each kind by its ApplySet's label, and most objects of a kind belong
 * to other ApplySets); those that pass are parsed and matched exactly.
 */
export function labelPrefilter(requirements: readonly LabelRequirement[]): (json: string) => boolean {
  const needles: string[][] = [];
  for (const r of requirements) {
    if (r.op !== 'exists' && r.op !== 'in') continue;
    needles.push([`${JSON.stringify(r.key)}:`]);
    if (r.op === 'in') needles.push(r.values.map((v) => JSON.stringify(v)));
  }
  return (json) => needles.every((any) => any.some((needle) => json.includes(needle)));
}
