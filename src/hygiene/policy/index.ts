/** The policy gate: parse a policy file, evaluate findings against it. */
export { parsePolicy, MAX_POLICY_BYTES, type ParsedPolicy } from './parse.js';
export { evaluatePolicy, isExpired, DEFAULT_POLICY, type PolicyResult, type EvaluateOptions } from './evaluate.js';
export { THRESHOLDS, meetsThreshold, type Policy, type IgnoreRule, type Threshold, type PolicySource } from './schema.js';
