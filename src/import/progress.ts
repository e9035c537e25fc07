// SPDX-License-Identifier: Apache-2.0

// A progress line on stderr: rows done of the total, rate and time left. On a terminal it is
// redrawn in place (a live bar); otherwise a line every few seconds, for logs.
export class Progress {
  private readonly tty: boolean;
  private started = 0;
  private lastDrawn = 0;
  private label = '';
  private total = 0;
  private done = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  begin(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.started = performance.now();
    // the first line once there is a rate to show
    this.lastDrawn = this.started;
  }

  advance(rows: number): void {
    this.done += rows;
    const now = performance.now();
    if (now - this.lastDrawn >= (this.tty ? 200 : 5_000)) {
      this.lastDrawn = now;
      this.draw(false);
    }
  }

  end(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    if (this.quiet) return;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = rate > 0 && this.total > this.done ? (this.total - this.done) / rate : 0;
    const share = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const figures =
      `${this.label} ${this.done.toLocaleString('en')}/${this.total.toLocaleString('en')} ` +
      `${(share * 100).toFixed(1)}% ${Math.round(rate).toLocaleString('en')} rows/s ` +
      (final ? `in ${duration(seconds)}` : `ETA ${duration(left)}`);
    if (this.tty) {
      const width = 24;
      const filled = Math.round(share * width);
      this.out.write(`\r\u001b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}${final ? '\n' : ''}`);
    } else {
      this.out.write(`${figures}\n`);
    }
  }
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
