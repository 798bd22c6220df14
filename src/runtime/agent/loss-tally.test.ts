import { describe, expect, it, vi } from 'vitest';
import { LossTally } from './loss-tally.js';

const words = (lost: ReadonlyMap<string, number>, totals: ReadonlyMap<string, number>): string =>
  [...lost].map(([k, n]) => `${k} +${n} of ${totals.get(k)}`).join(', ');

describe('LossTally', () => {
  it('says each increase once, a window after the first, and keeps earlier loaders in the sum', () => {
    vi.useFakeTimers();
    try {
      const said: string[] = [];
      const t = new LossTally<'a' | 'b'>(words);
      t.update('a', 3, 1000, (m) => said.push(m));
      t.update('a', 5, 1000, (m) => said.push(m));
      t.update('b', 1, 1000, (m) => said.push(m));
      expect(said).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(said).toEqual(['a +5 of 5, b +1 of 1']);
      expect(t.take()).toBeUndefined();
      t.update('a', 7, 1000, (m) => said.push(m));
      expect(t.take()).toBe('a +2 of 7');
      vi.advanceTimersByTime(1000);
      expect(said).toHaveLength(1); // taken already: nothing new to say
      expect(t.sum).toBe(8);
      t.restart(); // a new loader counts from 0
      t.update('a', 2, 1000, (m) => said.push(m));
      expect(t.sum).toBe(10);
      expect(t.take()).toBe('a +2 of 2');
      t.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
