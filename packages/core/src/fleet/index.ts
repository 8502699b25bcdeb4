export { appsForCluster, assembleClusterObjects, createRenderCache, renderAppInstance, type AppInstance, type PlacementCache, type CachedFile, type RenderCache, type RenderedObject, type RenderOptions, type SourceFile } from './render.js';
export { BUILTIN_CLUSTER_SCOPED, BUILTIN_NAMESPACED, scopeOf, scopesFromCrds, type KindScope } from './scope.js';
export { labelSelectorSchema, selectorMatches, type LabelSelector } from './selector.js';
export { appSchema, clusterSchema, fleetSchema, parseCluster, parseFleet, repoPathField, singleYamlDocument, validateYamlDocument, targetSchema, type Cluster, type Fleet, type FleetApp, type FleetLines, type FleetTarget } from './spec.js';
export { assignRings, type RingAssignment } from './assign-rings.js';
export { checkSpecSchema, deliverySpecSchema, resolveDeliveryPlan, ringSpecSchema, type CheckSpec, type DeliverySpec, type RingSpec } from './delivery-spec.js';
export { referencedVariables, resolve as resolveVariable, substituteVariables, type SubstitutionContext } from './substitute.js';
export { compileError, DEFAULT_YAML_LIMITS, parseYamlDocuments, splitYamlDocuments, type YamlChunk, type YamlDocument, type YamlLimits } from './yaml-documents.js';
export { decodeUtf8 } from './utf8-text.js';
