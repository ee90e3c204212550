/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run.
 * Figures are medians; the machine is shared and noisy, so compare ratios, not absolute times.
 */
import { benchGate } from '../packages/core/bench/gate.bench.ts';

function table(rows: { name: string; calls: number; p50_us: number; p99_us: number }[]): void {
  console.log(['side'.padEnd(40), 'calls'.padStart(7), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9)].join(' '));
  for (const r of rows) {
    console.log(
      [
        r.name.padEnd(40),
        String(r.calls).padStart(7),
        r.p50_us.toFixed(1).padStart(9),
        r.p99_us.toFixed(1).padStart(9),
      ].join(' '),
    );
  }
}

console.log('Gate overhead: one read tool over the SDK in-memory transport (per-call times)\n');
const gate = await benchGate();
table(gate.rows);
console.log(`\nratio gate with logging / bare SDK (p50): ${gate.ratio.toFixed(2)}   target <= 1.30`);
