// A one-line progress bar for a terminal (the CLI draws it on stderr when stderr is a TTY):
// `{name}` fields of the format come from the payload, plus {bar}, {value}, {total} and
// {eta_formatted}. Redrawn at most every 100 ms; stop() clears the line.

const WIDTH = 40;

export class ProgressBar {
  private total = 0;
  private value = 0;
  private from = 0;
  private started = 0;
  private drawn = -Infinity;
  private active = false;
  private payload: Record<string, string> = {};

  constructor(private readonly format: string, private readonly out: NodeJS.WriteStream = process.stderr) {}

  start(total: number, value: number, payload: Record<string, string> = {}): void {
    Object.assign(this, { total, value, from: value, started: performance.now(), drawn: -Infinity, active: true, payload: { ...payload } });
    this.draw();
  }

  update(value: number, payload: Record<string, string> = {}): void {
    if (!this.active) return;
    this.value = value;
    Object.assign(this.payload, payload);
    if (performance.now() - this.drawn >= 100 || value >= this.total) this.draw();
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.out.write('\r\x1b[2K');
  }

  private draw(): void {
    const now = (this.drawn = performance.now());
    const filled = this.total > 0 ? Math.round((WIDTH * Math.min(this.value, this.total)) / this.total) : WIDTH;
    const perMs = (this.value - this.from) / (now - this.started);
    const fields: Record<string, string | number> = {
      ...this.payload,
      bar: '█'.repeat(filled) + '░'.repeat(WIDTH - filled),
      value: this.value,
      total: this.total,
      eta_formatted: perMs > 0 ? formatSeconds((this.total - this.value) / perMs / 1000) : '-',
    };
    const line = this.format.replace(/\{(\w+)\}/g, (all, key: string) => String(fields[key] ?? all));
    this.out.write(`\r\x1b[2K${this.out.columns ? line.slice(0, this.out.columns - 1) : line}`);
  }
}

/** 75 → "1m15s", 3725 → "1h02m". */
export function formatSeconds(s: number): string {
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
