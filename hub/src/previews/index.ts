export type { BuildPreview, PreviewBase, PreviewBuildOptions, PreviewBuildRequest, PreviewChange, PreviewCycleRequest, PreviewsPointerOutcome, PreviewsReport, SetPreviewsPointer } from './preview-types.js';
export { PREVIEW_BUILD_CONCURRENCY, runPreviewCycle, type PreviewCycleDeps } from './preview-cycle.js';
export { planPreviews, type PlanInput, type PlanResult, type PreviewPlan } from './preview-decisions.js';
export { deletePreview, PREVIEWS_EXPIRED_KEY, readExpired, readPreviews, writeExpired, writePreview } from './preview-store.js';
