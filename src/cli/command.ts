import type { ParseArgsConfig } from 'node:util';

/** Parsed flag values, as node:util parseArgs gives them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * A command in its own module (src/cli/<name>.ts): its line in `wgrt --help`, its own --help
 * text, its flags (besides --help and --plugin, which every command takes), and what it does.
 */
export interface CliCommand {
  readonly summary: string;
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(positionals: readonly string[], values: FlagValues): Promise<number>;
}
