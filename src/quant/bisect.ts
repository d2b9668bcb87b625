/**
 * Precision bisection (Polygraphy's `debug precision`): the smallest set of layers to keep in
 * fp32 for an INT8 network to pass a check. Layers are tried in the order given (the sensitivity
 * ranking, worst first): they join the fp32 set one by one until the check passes, then each one
 * that is not needed (the check still passes without it) leaves again, so no layer of the result
 * can be dropped. The caller builds and checks (with BuildOptions.layerPrecision), so this stage
 * builds nothing itself.
 */

export interface BisectStep<R> {
  /** 'start': everything INT8; 'add': growing the set; 'drop': trying the set without `layer`. */
  readonly phase: 'start' | 'add' | 'drop';
  readonly layer?: string;
  /** The fp32 set checked. */
  readonly fp32: readonly string[];
  readonly pass: boolean;
  readonly report: R;
}

export interface BisectResult<R> {
  /** Layers to keep in fp32, in the order given; empty when everything passes in INT8. */
  readonly fp32: readonly string[];
  /** Whether that set passes (false when even every layer in fp32 does not). */
  readonly pass: boolean;
  readonly steps: readonly BisectStep<R>[];
}

export async function bisectPrecision<R extends { readonly pass: boolean }>(
  order: readonly string[],
  check: (fp32: readonly string[]) => Promise<R>,
  onStep: (s: BisectStep<R>) => void = () => {},
): Promise<BisectResult<R>> {
  const steps: BisectStep<R>[] = [];
  const step = async (phase: BisectStep<R>['phase'], fp32: readonly string[], layer?: string) => {
    const report = await check(fp32);
    const s: BisectStep<R> = { phase, ...(layer !== undefined ? { layer } : {}), fp32, pass: report.pass, report };
    steps.push(s);
    onStep(s);
    return s.pass;
  };
  let set: string[] = [];
  let pass = await step('start', set);
  for (const layer of order) {
    if (pass) break;
    set = [...set, layer];
    pass = await step('add', set, layer);
  }
  if (!pass) return { fp32: set, pass, steps };
  // The last layer added is needed: the set without it is the one before, which failed.
  for (const layer of set.slice(0, -1)) {
    const without = set.filter((l) => l !== layer);
    if (await step('drop', without, layer)) set = without;
  }
  return { fp32: set, pass, steps };
}
