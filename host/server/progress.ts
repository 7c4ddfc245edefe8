// A progress display on stderr for long commands: a redrawn bar on a TTY,
// plain lines (at most one per 10 % step) otherwise, so logs stay readable.
const BAR_WIDTH = 30;
const PLAIN_STEP_PERCENT = 10;

export class Progress {
  private phase = '';
  private lastPlainPercent = -1;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  /** Starts a phase; `update` then reports its done/total. */
  start(phase: string): void {
    this.finishLine();
    this.phase = phase;
    this.lastPlainPercent = -1;
  }

  update(done: number, total: number): void {
    const percent = total === 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));
    if (this.out.isTTY === true) {
      const filled = Math.floor((percent * BAR_WIDTH) / 100);
      this.out.write(`\r${this.phase.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${done}/${total}`);
      return;
    }
    const step = percent - (percent % PLAIN_STEP_PERCENT);
    if (step === this.lastPlainPercent) return;
    this.lastPlainPercent = step;
    this.out.write(`${this.phase}: ${step}% (${done}/${total})\n`);
  }

  /** Ends the bar's line on a TTY. */
  finishLine(): void {
    if (this.out.isTTY === true && this.phase !== '') this.out.write('\n');
    this.phase = '';
  }
}
