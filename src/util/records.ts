/** A JSON object (not null, not an array): the test every reader of foreign JSON or YAML makes first. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
