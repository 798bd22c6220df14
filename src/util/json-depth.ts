/**
 * Nesting depth of parsed JSON. `JSON.parse` accepts any depth (it does not recurse), but
 * `JSON.stringify`, zod and most walkers do: a value nested a few thousand levels deep makes them
 * overflow the stack. Checked without recursion, so the check itself cannot overflow.
 */

/** True when `value` holds arrays or objects nested more than `max` levels deep. */
export function nestingExceeds(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, depth } = top;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth: depth + 1 });
    }
  }
  return false;
}
