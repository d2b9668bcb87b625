/**
 * Progress of long work on the command line (build, calibration, tuning): a bar rewritten in
 * place on a terminal, plain lines otherwise (a log file, CI), at most one per tenth of the work.
 * Written to stderr, so that stdout keeps only the results.
 */
export type CliProgressEvent = { readonly done: number; readonly total: number; readonly layer?: string } | { readonly batch: number; readonly batches?: number };

export function cliProgress(label: string, stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr): (p: CliProgressEvent) => void {
  let lastTenth = -1;
  return (p) => {
    const [done, total, note] = 'done' in p ? [p.done, p.total, p.layer] : [p.batch, p.batches, undefined];
    const frac = total ? Math.min(1, done / total) : 0;
    const count = `${done}${total ? `/${total}` : ''}`;
    if (stream.isTTY) {
      const width = 24;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      stream.write(`\r${label} [${bar}] ${count}${note ? ` ${note.slice(0, 40)}` : ''}\x1b[K${total && done >= total ? '\n' : ''}`);
      return;
    }
    const tenth = total ? Math.floor(frac * 10) : done;
    if (tenth === lastTenth && !(total && done >= total)) return;
    lastTenth = tenth;
    stream.write(`${label}: ${count}${note ? ` ${note}` : ''}\n`);
  };
}
