// Runs the wgrt command line in-process (src/cli/commands.ts main), capturing what it prints with console.log.
import { vi } from 'vitest';
import { main } from '../../src/cli/commands.js';

export async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}
