export { canonicalBytes, canonicalJson } from './canonical-json.js';
export { digestHex, digestOf, isDigest, type Digest } from './digest.js';
export {
  classifyError,
  DriftlessError,
  isDriftlessError,
  type ErrorClass,
  type ErrorCode,
  type ErrorData,
} from './errors.js';
export { networkErrorCode } from './network-error.js';
export {
  API_VERSION,
  parseDocument,
  parseJson,
  parseJsonDocument,
} from './documents/common.js';
export {
  compareRefs,
  describeRef,
  groupOf,
  kubeObjectSchema,
  refKey,
  refOf,
  type KubeObject,
  type ObjectRef,
} from './documents/kube-object.js';
export {
  BUNDLE_API_VERSION,
  bundleApiVersionOf,
  bundleSchema,
  DEFAULT_NAMESPACE_ANNOTATION,
  isUnplaced,
  UNPLACED_BUNDLE_API_VERSION,
  type Bundle,
} from './documents/bundle.js';
export { pointerSchema, type Pointer, type UnsignedPointer } from './documents/pointer.js';
export { PHASES, STATUS_MAX_BYTES, statusSchema, type Phase, type Status } from './documents/status.js';
export { revisionRecordSchema, type RevisionRecord } from './documents/revision.js';
export { APP_ANNOTATION, PREVIEW_LABEL, PREVIEW_MAX_BYTES, previewSchema, type Preview } from './documents/preview.js';
export {
  buildBundle,
  decodeBundle,
  DEFAULT_BUNDLE_LIMITS,
  encodeBundle,
  encodeValidatedBundle,
  type CanonicalCache,
  type BundleLimits,
  type EncodedBundle,
} from './bundle-codec.js';
export { decodePointer, documentSignature, documentSignatureValid, parseSigningKey, parseVerifyKey, PointerVerifier, pointerSigningBytes, refuseExpired, signPointer } from './signature.js';
export { storeLayout } from './store-layout.js';
export {
  listAll,
  type GetOptions,
  type GetResult,
  type HeadResult,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutIfAbsentResult,
  type PutOptions,
  type PutResult,
  type RequestOptions,
} from './ports/object-store.js';
export { assertValidKey, assertValidPrefix } from './ports/object-store-keys.js';
export * from './fleet/index.js';
export type { KnownLastChange, RepoEntry, RepoReader } from './ports/repo-reader.js';
export { LAST_CHANGE_BLOB } from './ports/repo-reader.js';
export type { AncestryQuery, BranchListing, RepositoryRequest, RepositorySnapshot, RepositorySource } from './ports/repository-source.js';
export { ANCESTRY_DATE_SLOP_MS } from './ports/repository-source.js';
export { formatDurationMs, parseDuration } from './duration.js';
export type { KubeObjectRef, KubeRequestCounters, KubeResourceInfo, KubeTarget } from './ports/kube-target.js';
export type { Clock } from './ports/clock.js';
export type { MetricQueryOptions, MetricQueryResult, MetricSeries, MetricSource } from './ports/metric-source.js';
export { backoffMs, jitteredIntervalMs, seededRng, type Rng } from './timing.js';
export type { LeaseLock, LeaseRecord } from './ports/lease-lock.js';
export * from './delivery/index.js';
export * from './audit/index.js';
export * from './flags/index.js';
export { labelKeyProblem, labelsMatch, labelValueProblem, parseLabelSelector, type LabelRequirement } from './label-selector-string.js';
