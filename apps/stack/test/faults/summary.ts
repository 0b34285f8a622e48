// Each fault file records its scenarios here and prints one table from its afterAll: scenarios run,
// passed, and data lost (rows the user should have and does not; must be 0).
export interface ScenarioResult {
  name: string;
  passed: boolean;
  dataLost: number;
  note?: string;
}

export class FaultSummary {
  private readonly rows: ScenarioResult[] = [];
  constructor(private readonly title: string) {}

  /** Runs one scenario body; a throw marks it failed (and is rethrown for vitest). */
  async run(name: string, body: () => Promise<{ dataLost: number; note?: string } | void>): Promise<void> {
    try {
      const r = await body();
      this.rows.push({ name, passed: true, dataLost: r?.dataLost ?? 0, note: r?.note });
    } catch (err) {
      this.rows.push({
        name,
        passed: false,
        dataLost: -1,
        note: err instanceof Error ? err.message.split('\n')[0] : String(err),
      });
      throw err;
    }
  }

  print(): void {
    const passed = this.rows.filter((r) => r.passed).length;
    const lost = this.rows.reduce((n, r) => n + Math.max(0, r.dataLost), 0);
    const lines = [
      `\n== faults: ${this.title} ==`,
      ...this.rows.map(
        (r) =>
          `${r.passed ? 'PASS' : 'FAIL'}  ${r.name.padEnd(64)} data lost ${r.dataLost < 0 ? '?' : r.dataLost}${r.note ? `  (${r.note})` : ''}`,
      ),
      `scenarios run ${this.rows.length}, passed ${passed}, data lost ${lost}`,
    ];
    console.log(lines.join('\n'));
  }
}
