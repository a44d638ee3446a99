/** A one-line progress bar for terminals. */

/** Draws "[#####.....] 50% 500/1000 1234/s" on stderr, rewriting the same line. */
export class ProgressBar {
  #start = performance.now();
  #last = 0;
  constructor(private total: number, private width = 30) {}

  /** Redraws at most every 100 ms, and always at the end. */
  update(done: number): void {
    const now = performance.now();
    if (done < this.total && now - this.#last < 100) return;
    this.#last = now;
    const ratio = this.total ? done / this.total : 1;
    const filled = Math.round(ratio * this.width);
    const rate = Math.round(done / Math.max((now - this.#start) / 1000, 1e-3));
    const bar = "#".repeat(filled) + ".".repeat(this.width - filled);
    const text = `\r[${bar}] ${Math.floor(ratio * 100)}% ${done}/${this.total} ${rate}/s`;
    Deno.stderr.writeSync(new TextEncoder().encode(text + (done >= this.total ? "\n" : "")));
  }
}
