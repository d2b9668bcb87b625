// bisectPrecision against checks whose answer is known: a set passes when it holds every layer of a hidden "needed" set.
import { describe, expect, it } from 'vitest';
import { bisectPrecision } from '../../src/quant/bisect.js';

const needs = (needed: string[]) => async (fp32: readonly string[]) => ({ pass: needed.every((l) => fp32.includes(l)) });

describe('bisectPrecision', () => {
  it('adds layers in the order given until the check passes, then drops every one not needed', async () => {
    const order = ['a', 'b', 'c', 'd', 'e'];
    const r = await bisectPrecision(order, needs(['b', 'd']));
    expect(r).toMatchObject({ fp32: ['b', 'd'], pass: true });
    // start, +a, +b, +c, +d (passes), then drop a (passes), drop b (fails), drop c (passes); d was the last added.
    expect(r.steps.map((s) => `${s.phase} ${s.layer ?? ''} ${s.pass}`)).toEqual(['start  false', 'add a false', 'add b false', 'add c false', 'add d true', 'drop a true', 'drop b false', 'drop c true']);
  });

  it('returns the empty set when everything passes in INT8, and no pass when even all layers in fp32 fail', async () => {
    expect(await bisectPrecision(['a', 'b'], needs([]))).toMatchObject({ fp32: [], pass: true, steps: [{ phase: 'start', pass: true }] });
    const none = await bisectPrecision(['a', 'b'], needs(['z']));
    expect([none.pass, none.fp32]).toEqual([false, ['a', 'b']]);
  });
});
