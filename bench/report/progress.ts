/**
 * A progress bar on stderr (redrawn in place on a terminal, one line per scenario otherwise, so CI logs stay short).
 */
export class Progress {
  private done = 0;
  private scenario = '';
  private readonly started = Date.now();
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  beginScenario(title: string): void {
    this.scenario = title;
    if (!this.tty) process.stderr.write(`[bench] ${title}\n`);
    this.draw('');
  }

  step(label: string): void {
    this.done = Math.min(this.total, this.done + 1);
    this.draw(label);
  }

  finish(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }

  private draw(label: string): void {
    if (!this.tty) return;
    const width = 30;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const seconds = Math.round((Date.now() - this.started) / 1000);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total} ${seconds}s ${this.scenario}: ${label}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
  }
}
