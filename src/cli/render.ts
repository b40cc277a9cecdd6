/**
 * The renderers, by concern (render/): words and paths (words), numbers (format), --json shapes
 * (json), the plan for status and dry runs (plan) and its closing hint (next), the live progress line (progress), the
 * end-of-run summary (summary), and the event-stream reporter (reporter). Import from here.
 */
export type { Out } from './io.js';
export { formatBytes, formatDuration } from './render/format.js';
export { actionJson, nameJson, planJson, tagJsonLines } from './render/json.js';
export { renderPlanText, type PlanTextOptions } from './render/plan.js';
export { nextJson, nextStep, type NextContext } from './render/next.js';
export { ProgressLine } from './render/progress.js';
export { Reporter, type RenderOptions } from './render/reporter.js';
export { summaryJson, summaryLines } from './render/summary.js';
export { asIs, type PathShow } from './render/words.js';
