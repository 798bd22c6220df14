import { describe, expect, it } from 'vitest';
import { PROCESS_BINDINGS } from './bindings.js';

// The table must describe the Node.js that runs here: every listed name is accepted, and every
// internal binding this process has loaded that is not listed is refused (so none is missing).
describe('process.binding table', () => {
  const binding = (name: string): boolean => {
    const saved = process.noDeprecation;
    process.noDeprecation = true;
    try {
      (process as unknown as { binding: (n: string) => unknown }).binding(name);
      return true;
    } catch {
      return false;
    } finally {
      process.noDeprecation = saved ?? false;
    }
  };

  it('lists exactly the names process.binding accepts', () => {
    const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
      .filter((m: string) => m.startsWith('Internal Binding '))
      .map((m: string) => m.slice('Internal Binding '.length));
    const candidates = [...new Set([...loaded, ...PROCESS_BINDINGS.keys()])].sort();
    const accepted = candidates.filter(binding);
    expect(accepted).toEqual([...PROCESS_BINDINGS.keys()].filter((n) => accepted.includes(n)).sort());
    expect([...PROCESS_BINDINGS.keys()].filter((n) => !binding(n))).toEqual([]);
    expect(binding('charter_no_such_binding')).toBe(false);
  });
});
