import type { KindInfo } from './kind-table.js';
import { labelKeyProblem, labelValueProblem } from '@driftless/core';

type Json = Record<string, unknown>;

const record = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

/** Metadata only the server sets: never part of what a manager applies. */
const SERVER_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

/**
 * The part of an applied object its manager sets: everything but apiVersion,
 * kind, identity and server-set metadata, and status where status is a
 * subresource. A Secret's `stringData` becomes base64 `data`, as the API
 * server stores it. `obj` must be the caller's own copy.
 */
export function configOf(obj: Json, group: string, info: KindInfo): Json {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = obj;
  const meta = { ...record(metadata) };
  for (const k of SERVER_METADATA) delete meta[k];
  if (info.statusSubresource) delete rest['status'];
  const stringData = record(rest['stringData']);
  if (group === '' && info.kind === 'Secret' && stringData) {
    const data = { ...record(rest['data']) };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete rest['stringData'];
    rest['data'] = data;
  }
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why the API server would refuse `obj` as invalid (HTTP 422), or undefined. Names and labels only: there are no schemas here. */
export function invalidity(obj: Json, info: KindInfo): string | undefined {
  const meta = record(obj['metadata']) ?? {};
  const name = String(meta['name']);
  const invalid = (field: string, why: string): string => `${info.kind} "${name}" is invalid: ${field}: ${why}`;
  const rule = info.names ?? (info.crd ? 'path' : 'subdomain');
  if (rule === 'label' && (name.length > 63 || !DNS_LABEL.test(name))) {
    return invalid('metadata.name', `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`);
  }
  if (rule === 'subdomain' && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    return invalid('metadata.name', `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
  }
  if (rule === 'path' && (name === '.' || name === '..' || /[/%]/.test(name))) {
    return invalid('metadata.name', `Invalid value: "${name}": may not contain '/' or '%', nor be '.' or '..'`);
  }
  for (const [k, v] of Object.entries(record(meta['labels']) ?? {})) {
    const problem = labelKeyProblem(k) ?? (typeof v === 'string' ? labelValueProblem(v) : `Invalid value: ${JSON.stringify(v)}: must be a string`);
    if (problem) return invalid('metadata.labels', problem);
  }
  return undefined;
}

/**
 * What the generation of an object depends on, as a string to compare: all
 * but metadata (and status, when a subresource), plus annotations for kinds
 * that count them. Also how the in-memory controllers notice a change to act on.
 */
export function generationView(obj: Json, info: KindInfo): string {
  const { metadata, status, ...rest } = obj;
  return JSON.stringify([rest, info.statusSubresource ? null : status, info.generation === 'spec+annotations' ? record(metadata)?.['annotations'] : null]);
}

/**
 * Fields the API server sets on its own, after a manager's apply: a
 * Namespace's `kubernetes.io/metadata.name` label (always its name) and, on
 * create, its `kubernetes` finalizer; a Secret's default type; the zero status
 * typed objects get on create.
 */
export function serverFields(obj: Json, group: string, info: KindInfo, created: boolean): void {
  const meta = record(obj['metadata']) ?? {};
  if (group === '' && info.kind === 'Namespace') {
    meta['labels'] = { ...record(meta['labels']), 'kubernetes.io/metadata.name': meta['name'] };
    if (created) {
      obj['spec'] = { finalizers: ['kubernetes'], ...record(obj['spec']) };
      obj['status'] = { phase: 'Active' };
    }
  }
  if (created && group === '' && info.kind === 'Secret' && obj['type'] === undefined) obj['type'] = 'Opaque';
  if (created && info.initialStatus && obj['status'] === undefined) obj['status'] = structuredClone(info.initialStatus);
}

/** RFC 3339 at whole seconds, as the API server writes timestamps. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
