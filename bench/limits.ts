// One way for every benchmark to print a figure next to the limit it is held to, and to remember
// whether any was over (the process then exits 1).
export interface Limits {
  /** Prints `name value unit limit ok|OVER`; `higherIsWorse` false for throughput-like figures. */
  report(name: string, value: number, unit: string, limit: number, higherIsWorse?: boolean): void;
  /** Marks the run as failed for a reason that is not a figure (errors seen, say). */
  fail(): void;
  readonly failed: boolean;
}

export function limits(): Limits {
  let failed = false;
  return {
    report(name, value, unit, limit, higherIsWorse = true) {
      const ok = higherIsWorse ? value <= limit : value >= limit;
      if (!ok) failed = true;
      const shown = Number.isInteger(value) || Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
      console.log(`${name.padEnd(48)} ${shown.padStart(8)} ${unit.padEnd(8)} limit ${higherIsWorse ? '<=' : '>='} ${limit} ${ok ? 'ok' : 'OVER'}`);
    },
    fail() {
      failed = true;
    },
    get failed() {
      return failed;
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
