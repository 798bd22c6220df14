/**
 * What the sensor says it lost, by kind (ring-buffer drops; seccomp refusals its audit socket had
 * no room for, or could not attribute): the loader counts from its own start, and the agent says
 * each increase once, in a `drops` record, at most once per window, keeping the totals of the
 * loaders before (a restarted loader counts from 0 again).
 */
export class LossTally<K extends string> {
  private readonly totals = new Map<K, number>();
  private readonly reported = new Map<K, number>();
  private earlier = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `describe` words what was lost since it was last said (the kinds that grew), given the totals. */
  constructor(private readonly describe: (lost: ReadonlyMap<K, number>, totals: ReadonlyMap<K, number>) => string) {}

  /** The loader's count of `kind` since it started; `say` gets the message once `windowMs` has passed. */
  update(kind: K, total: number, windowMs: number, say: (message: string) => void): void {
    this.totals.set(kind, total);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const message = this.take();
      if (message !== undefined) say(message);
    }, windowMs);
  }

  /** What was lost and not yet said, worded (and from now on said), or undefined. */
  take(): string | undefined {
    const lost = new Map<K, number>();
    for (const [kind, total] of this.totals) {
      const n = total - (this.reported.get(kind) ?? 0);
      if (n > 0) lost.set(kind, n);
    }
    if (lost.size === 0) return undefined;
    for (const [kind, total] of this.totals) this.reported.set(kind, total);
    return this.describe(lost, this.totals);
  }

  /** A new loader counts from 0: what the old one lost stays in `sum`. */
  restart(): void {
    this.earlier = this.sum;
    this.totals.clear();
    this.reported.clear();
  }

  /** Everything lost since the agent started, every loader's. */
  get sum(): number {
    let n = this.earlier;
    for (const total of this.totals.values()) n += total;
    return n;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
