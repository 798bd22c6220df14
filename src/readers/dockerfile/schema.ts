/**
 * The JSON that a Dockerfile may embed: exec form (`CMD ["node", "server.js"]`), `SHELL` and
 * JSON-form `VOLUME` all take a JSON array of strings.
 */
import { z } from 'zod';

export const JsonArraySchema = z.array(z.string());

/** The array, or undefined when the text is not a JSON array of strings. */
export function parseJsonArray(text: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = JsonArraySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
