/**
 * A hostile image can repeat one problem a million times (a million `..` entries, a million bad
 * ports); the user needs the first few and a count, and memory must not hold the rest. So each
 * diagnostic code is told at most {@link MAX_DIAGNOSTICS_PER_CODE} times per layer and per image,
 * then once more as a count.
 */
import type { DiagnosticCode } from '../../model/diagnostics.js';

/** Diagnostics kept per code (per layer while reading it, per image at the end). */
export const MAX_DIAGNOSTICS_PER_CODE = 100;

export interface CappableDiagnostic {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** Collects diagnostics, keeping the first {@link MAX_DIAGNOSTICS_PER_CODE} of each code. */
export class DiagnosticCap<D extends CappableDiagnostic> {
  readonly kept: D[] = [];
  private readonly counts = new Map<string, number>();

  /** `summary(code, dropped)` is the closing message for a code with `dropped` more. */
  constructor(private readonly summary: (code: string, dropped: number) => D) {}

  add(d: D): void {
    const n = (this.counts.get(d.code) ?? 0) + 1;
    this.counts.set(d.code, n);
    if (n <= MAX_DIAGNOSTICS_PER_CODE) this.kept.push(d);
  }

  /** The kept diagnostics, then one summary per code that had more. */
  result(): D[] {
    const out = [...this.kept];
    for (const [code, n] of this.counts) if (n > MAX_DIAGNOSTICS_PER_CODE) out.push(this.summary(code, n - MAX_DIAGNOSTICS_PER_CODE));
    return out;
  }
}

export const CAPPED_CODE: DiagnosticCode = 'image-diagnostics-capped';

/** The closing message's text, the same for layers and images. */
export const cappedMessage = (code: string, dropped: number): string => `${dropped} more ${code} diagnostics are not shown`;
