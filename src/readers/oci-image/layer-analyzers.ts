/**
 * The file analyzers (src/inventory/registry.ts) over one layer's files: which ones want a file,
 * and what they find in its body. One analyzer failing on one file is a diagnostic; the scan goes
 * on, and a hostile layer cannot turn into millions of messages.
 */
import type { DiagnosticCode } from '../../model/diagnostics.js';
import type { LayerDiagnostic, LayerFileAnalysis } from './cache/layer-analysis.js';
import type { FileAnalyzer } from '../../model/analyzer.js';

/** Diagnostics told per analyzer and layer; the rest are counted in one closing message. */
const MAX_ANALYZER_DIAGNOSTICS = 100;

/** An analyzer's own error, as text (its message only: the path is named by the caller). */
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export type Diagnose = (code: DiagnosticCode, severity: LayerDiagnostic['severity'], message: string) => void;

/**
 * Runs the file analyzers over one layer's files: which ones want a file (`required`, asked once
 * per regular file), and what they find in its body (read once however many want it). One
 * analyzer failing on one file is a diagnostic; the scan goes on.
 */
export class LayerAnalyzers {
  /** Results per path; a later entry for the same path replaces them, as tar does the file. */
  readonly results = new Map<string, LayerFileAnalysis[]>();
  private readonly broken = new Set<string>();
  /** Diagnostics told per analyzer: a hostile layer must not turn into millions of messages. */
  private readonly told = new Map<string, number>();

  constructor(
    private readonly analyzers: readonly FileAnalyzer[],
    private readonly layer: string,
    private readonly maxBytes: number,
    private readonly diag: Diagnose,
  ) {}

  /** The analyzers that will read this file; those that want it but cannot have it are told why. */
  wanting(path: string, size: number, mode: number): FileAnalyzer[] {
    let out: FileAnalyzer[] | undefined;
    for (const a of this.analyzers) {
      let wants: boolean;
      try {
        wants = a.required(path, { size, mode });
      } catch (err) {
        this.fail(a, 'required', path, err);
        continue;
      }
      if (!wants) continue;
      const limit = Math.min(a.maxBytes, this.maxBytes);
      if (size > limit) {
        this.diag(
          'image-analyzer-file-too-large',
          'warning',
          `${path} is ${size} bytes, over the ${limit}-byte limit of the ${a.type} analyzer; it was not analysed`,
        );
        continue;
      }
      (out ??= []).push(a);
    }
    return out ?? [];
  }

  analyze(path: string, body: Uint8Array, analyzers: readonly FileAnalyzer[]): void {
    const records: LayerFileAnalysis[] = [];
    for (const a of analyzers) {
      let out;
      try {
        out = a.analyze(path, body, this.layer);
      } catch (err) {
        this.fail(a, 'analyze', path, err);
        continue;
      }
      for (const d of out.diagnostics ?? []) {
        const told = (this.told.get(a.type) ?? 0) + 1;
        this.told.set(a.type, told);
        if (told > MAX_ANALYZER_DIAGNOSTICS) continue;
        // Messages name the file once, whether or not the analyzer already did.
        this.diag(d.code, d.severity, d.message.startsWith(path) ? d.message : `${path}: ${d.message}`);
        if (told === MAX_ANALYZER_DIAGNOSTICS) {
          this.diag(
            'image-analyzer-diagnostics-capped',
            'info',
            `the ${a.type} analyzer's further diagnostics in this layer are not shown`,
          );
        }
      }
      const r: LayerFileAnalysis = { path, analyzer: a.type };
      if (out.components && out.components.length > 0) {
        // Provenance is the plumbing's to give: this layer, this file, whatever the analyzer said.
        r.components = out.components.map((c) => ({ ...c, layer: this.layer, path: c.path ?? path }));
      }
      if (out.findings && out.findings.length > 0) r.findings = out.findings;
      if (out.os) r.os = out.os;
      if (r.components || r.findings || r.os) records.push(r);
    }
    if (records.length > 0) this.results.set(path, records);
  }

  /** A later entry replaced the file: what was found in the earlier one no longer holds. */
  replaced(path: string): void {
    this.results.delete(path);
  }

  private fail(a: FileAnalyzer, phase: 'required' | 'analyze', path: string, err: unknown): void {
    // `required` runs on every file: its failure is told once per analyzer and layer.
    if (phase === 'required') {
      if (this.broken.has(a.type)) return;
      this.broken.add(a.type);
    }
    this.diag('image-analyzer-failed', 'warning', `the ${a.type} analyzer's ${phase} failed on ${path}: ${errorText(err)}`);
  }
}
