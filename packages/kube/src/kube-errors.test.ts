import { ApiException } from '@kubernetes/client-node';
import { DriftlessError } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { isTransientStatus, KindNotServedError, KubeApiError, kubeStatusOf, translateKubeError, type KubeOperation } from './kube-errors.js';

/** A failed response as the adapters' requests report it: the body is the response text. */
const answered = (code: number, body: string | undefined): KubeApiError => new KubeApiError(code, body);
const status = (code: number, reason: string | undefined, message: string, extra: object = {}): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason !== undefined ? { reason } : {}), ...extra, code });

// Bodies as kube-apiserver v1.37.2 sent them (server-side apply with force), trimmed only where marked.
const typedPatch = (detail: string): string => status(500, undefined, `failed to create typed patch object (ns/api; apps/v1, Kind=Deployment): ${detail}`);
const invalid = status(422, 'Invalid', 'ConfigMap "c" is invalid: metadata.labels: Invalid value: "not valid": a valid label must be …', {
  details: { name: 'c', kind: 'ConfigMap', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "not valid"', field: 'metadata.labels' }] },
});

describe('translateKubeError: what the API server answered', () => {
  it.each<[string, KubeApiError, 'KubeRefused' | 'KubeUnavailable', string]>([
    ['a typed-patch failure: wrong type (500, no reason)', answered(500, typedPatch('.spec.replicas: expected numeric (int or float), got string')), 'KubeRefused', 'failed to create typed patch object (ns/api; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string'],
    ['a typed-patch failure: unknown field (500, no reason)', answered(500, typedPatch('.spek: field not declared in schema')), 'KubeRefused', 'failed to create typed patch object (ns/api; apps/v1, Kind=Deployment): .spek: field not declared in schema'],
    ['a typed-patch failure: duplicate list key (500, no reason)', answered(500, typedPatch('.spec.template.spec.containers[name="c"].env: duplicate entries for key [name="X"]')), 'KubeRefused', 'failed to create typed patch object (ns/api; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="c"].env: duplicate entries for key [name="X"]'],
    ['Invalid (422)', answered(422, invalid), 'KubeRefused', 'ConfigMap "c" is invalid: metadata.labels: Invalid value: "not valid": a valid label must be …'],
    ['NotFound: a missing namespace (404)', answered(404, status(404, 'NotFound', 'namespaces "x" not found', { details: { name: 'x', kind: 'namespaces' } })), 'KubeRefused', 'namespaces "x" not found'],
    ['BadRequest: a body of another kind than the path (400)', answered(400, status(400, 'BadRequest', 'invalid object type: /v1, Kind=Secret')), 'KubeRefused', 'invalid object type: /v1, Kind=Secret'],
    ['Forbidden (403)', answered(403, status(403, 'Forbidden', 'configmaps "a" is forbidden: User "x" cannot patch resource "configmaps"')), 'KubeRefused', 'configmaps "a" is forbidden: User "x" cannot patch resource "configmaps"'],
    ['Conflict (409)', answered(409, status(409, 'Conflict', 'Operation cannot be fulfilled on leases "l": the object has been modified')), 'KubeRefused', 'Operation cannot be fulfilled on leases "l": the object has been modified'],
    ['a group/version nobody serves, at discovery (404, plain text)', answered(404, '404 page not found\n'), 'KubeRefused', 'HTTP-Code: 404'],
    ['TooManyRequests (429)', answered(429, status(429, 'TooManyRequests', 'too many requests, please try again later')), 'KubeUnavailable', 'HTTP 429: too many requests, please try again later'],
    ['ServiceUnavailable (503)', answered(503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request')), 'KubeUnavailable', 'HTTP 503: the server is currently unable to handle the request'],
    ['Timeout (504)', answered(504, status(504, 'Timeout', 'the request timed out')), 'KubeUnavailable', 'HTTP 504: the request timed out'],
    ['InternalError (500)', answered(500, status(500, 'InternalError', 'Internal error occurred: etcdserver: leader changed', { details: { causes: [{ message: 'etcdserver: leader changed' }] } })), 'KubeUnavailable', 'HTTP 500: Internal error occurred: etcdserver: leader changed'],
    ['StoreReadError: unreadable in etcd (500)', answered(500, status(500, 'StoreReadError', 'unable to transform key')), 'KubeUnavailable', 'HTTP 500: unable to transform key'],
    ['ServerTimeout (500)', answered(500, status(500, 'ServerTimeout', 'The list operation could not be completed at this time, please try again.')), 'KubeUnavailable', 'HTTP 500: The list operation could not be completed at this time, please try again.'],
    ['a 500 page from a proxy in between (no Status)', answered(500, '<html>Internal Server Error</html>'), 'KubeUnavailable', 'HTTP 500: HTTP-Code: 500'],
    ['a 502 from a proxy in between, no body', answered(502, undefined), 'KubeUnavailable', 'HTTP 502: HTTP-Code: 502'],
  ])('%s -> %s', (_what, err, code, cause) => {
    const translated = translateKubeError(err, 'Deployment/ns/api', 'apply');
    expect(translated).toMatchObject({ code, message: `Deployment/ns/api apply failed: ${cause}`, data: { object: 'Deployment/ns/api', operation: 'apply', status: err.code }, cause: err });
    if (code === 'KubeRefused') expect(translated).toMatchObject({ errorClass: 'stalled', data: { reason: cause } });
    else expect(translated).toMatchObject({ errorClass: 'transient' });
  });
});

describe("translateKubeError: client-node's ApiException (tests still fail requests with it)", () => {
  it.each<[string, ApiException<unknown>, 'KubeRefused' | 'KubeUnavailable', string]>([
    ['a Status', new ApiException(404, 'Unsuccessful HTTP Request', status(404, 'NotFound', 'namespaces "x" not found'), {}), 'KubeRefused', 'namespaces "x" not found'],
    ['no Status', new ApiException(502, 'Unsuccessful HTTP Request', undefined, {}), 'KubeUnavailable', 'HTTP 502: HTTP-Code: 502'],
  ])('%s is classified as the same answer from our requests is', (_what, err, code, cause) => {
    expect(translateKubeError(err, 'ConfigMap/ns/a', 'get')).toMatchObject({ code, message: `ConfigMap/ns/a get failed: ${cause}`, cause: err });
    expect(translateKubeError(new KubeApiError(err.code, err.body), 'ConfigMap/ns/a', 'get')).toMatchObject({ code, message: `ConfigMap/ns/a get failed: ${cause}` });
  });
});

describe('translateKubeError: a 500 without a reason, by operation', () => {
  // kube-apiserver passes errors it does not classify on as a reasonless 500: for
  // server-side apply that is a typed-patch failure (the object does not fit its
  // schema); for anything else it is the server failing (etcd losing its leader).
  const outage = answered(500, status(500, undefined, 'etcdserver: leader changed'));

  it.each<{ what: string; err: KubeApiError; operation: KubeOperation; code: 'KubeRefused' | 'KubeUnavailable'; cause: string }>([
    { what: 'apply (a typed-patch failure)', err: answered(500, typedPatch('.spek: field not declared in schema')), operation: 'apply', code: 'KubeRefused', cause: 'failed to create typed patch object (ns/api; apps/v1, Kind=Deployment): .spek: field not declared in schema' },
    { what: 'get', err: outage, operation: 'get', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'list', err: outage, operation: 'list', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'delete', err: outage, operation: 'delete', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'discover', err: outage, operation: 'discover', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'a Lease get', err: outage, operation: 'get', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'a Lease create', err: outage, operation: 'create', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
    { what: 'a Lease update', err: outage, operation: 'update', code: 'KubeUnavailable', cause: 'HTTP 500: etcdserver: leader changed' },
  ])('answering $what -> $code', ({ err, operation, code, cause }) => {
    const translated = translateKubeError(err, 'Deployment/ns/api', operation);
    expect(translated).toMatchObject({ code, message: `Deployment/ns/api ${operation} failed: ${cause}`, data: { object: 'Deployment/ns/api', operation, status: 500 } });
    expect(translated).toMatchObject({ errorClass: code === 'KubeRefused' ? 'stalled' : 'transient' });
  });
});

describe('translateKubeError: failures without an answer', () => {
  const connect = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code });

  it.each<[string, unknown, string]>([
    ["node-fetch's FetchError (it copies the socket's code)", Object.assign(new Error('request to https://127.0.0.1:6443/api/v1 failed, reason: socket hang up'), { name: 'FetchError', type: 'system', code: 'ECONNRESET' }), 'ECONNRESET'],
    ['a refused connection', connect('ECONNREFUSED'), 'ECONNREFUSED'],
    ['an undici socket error as a cause', new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), 'UND_ERR_SOCKET'],
    ['every address refusing (AggregateError)', new AggregateError([connect('ECONNREFUSED'), connect('ECONNREFUSED')]), 'ECONNREFUSED'],
  ])('%s is unavailable (transient), naming the code', (_what, err, code) => {
    expect(translateKubeError(err, 'ConfigMap (v1)', 'list')).toMatchObject({
      code: 'KubeUnavailable',
      errorClass: 'transient',
      message: `ConfigMap (v1) list failed: ${code}`,
      data: { object: 'ConfigMap (v1)', operation: 'list' },
    });
  });

  it('refuses a kind its group/version does not serve, without a status', () => {
    const translated = translateKubeError(new KindNotServedError('v1', 'Gadget'), 'Gadget/g', 'get');
    expect(translated).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', message: 'Gadget/g get failed: the API server does not serve Gadget in v1' });
    expect((translated as DriftlessError<'KubeRefused'>).data).toEqual({ object: 'Gadget/g', operation: 'get', reason: 'the API server does not serve Gadget in v1' });
  });

  it.each<[string, unknown]>([
    ['a DriftlessError', new DriftlessError('KubeRefused', 'CustomResourceDefinition/x apply failed: not Established', { object: 'x', operation: 'apply', reason: 'r' })],
    ['a TLS failure (a code, but not a network one)', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
    ['an error whose text only mentions a network code', new Error('ECONNRESET, or so the message says')],
  ])('passes %s through unchanged', (_what, err) => {
    expect(translateKubeError(err, 'ConfigMap/ns/a', 'apply')).toBe(err);
  });
});

describe('kubeStatusOf and isTransientStatus', () => {
  it.each<[string, KubeApiError, { code: number; reason?: string }, boolean]>([
    ['a Status without a reason (answering an apply)', answered(500, typedPatch('x')), { code: 500, reason: '' }, false],
    ['a Status with InternalError', answered(500, status(500, 'InternalError', 'x')), { code: 500, reason: 'InternalError' }, true],
    ['no Status, 500', answered(500, 'oops'), { code: 500 }, true],
    ['a Status whose code differs from the response (it wins)', answered(200, status(503, 'ServiceUnavailable', 'x')), { code: 503, reason: 'ServiceUnavailable' }, true],
    ['a transient reason whatever the code', answered(500, status(409, 'ServerTimeout', 'x')), { code: 409, reason: 'ServerTimeout' }, true],
    ['JSON that is not a Status', answered(400, JSON.stringify({ code: 999, reason: 'Invalid', message: 'm' })), { code: 400 }, false],
    ['a body already parsed into an object', new KubeApiError(409, { kind: 'Status', reason: 'AlreadyExists', message: 'exists', code: 409 }), { code: 409, reason: 'AlreadyExists' }, false],
  ])('%s', (_what, err, want, transient) => {
    const s = kubeStatusOf(err);
    expect({ code: s.code, ...(s.reason !== undefined ? { reason: s.reason } : {}) }).toEqual(want);
    expect(isTransientStatus(s, 'apply')).toBe(transient);
  });

  it.each<[KubeOperation, boolean]>([
    ['apply', false],
    ['get', true],
    ['list', true],
    ['delete', true],
    ['discover', true],
    ['create', true],
    ['update', true],
  ])('a Status without a reason answering %s: transient is %s', (operation, transient) => {
    expect(isTransientStatus(kubeStatusOf(answered(500, status(500, undefined, 'etcdserver: leader changed'))), operation)).toBe(transient);
  });
});
