/**
 * An example plugin, written only with wgrt's public API (src/index.ts), as a user would:
 *
 *   com.example::ScaledSwish(x; beta = 1, scale = 1) = scale * x * sigmoid(beta * x)
 *
 * (Swish/SiLU with a learnable-style slope and an output gain; wgrt has no such op.) Two WGSL
 * tactics, one element per invocation and four (vec4), each with workgroup sizes to tune; the
 * reference is the formula in float64. The README's "Plugins" section shows the same plugin.
 */
import { readFileSync } from 'node:fs';
import { fromFloat64, grid, isFloat, Meta, sizeOf, toFloat64, type PluginSpec, type PluginTactic } from '../../src/index.js';

const wgsl = (file: string) => readFileSync(new URL(`./kernels/${file}`, import.meta.url), 'utf8');

/** The formula, for one number (float64). */
export function scaledSwish(x: number, beta: number, scale: number): number {
  return (scale * x) / (1 + Math.exp(-beta * x));
}

const f32Only: PluginTactic['supports'] = (layer) => layer.inputs[0]?.dtype === 'f32';

const scalar: PluginTactic = {
  id: 'scalar',
  kernel: 'scaled-swish.wgsl',
  space: [{ wg: 256 }, { wg: 64 }],
  supports: f32Only,
  plan(layer, p) {
    const n = sizeOf(layer.outputs[0]!.shape);
    const wg = p['wg'] ?? 256;
    return [{
      kernel: this.kernel,
      constants: { WG: wg },
      meta: new Meta().u32(n).f32(layer.attrs.float('beta'), layer.attrs.float('scale')).done(),
      dispatch: grid(Math.ceil(n / wg)),
      bindings: [{ input: 0 }, { output: 0 }],
    }];
  },
};

const vec4: PluginTactic = {
  id: 'vec4',
  kernel: 'scaled-swish-vec4.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  supports: (layer) => f32Only(layer) && sizeOf(layer.outputs[0]!.shape) % 4 === 0,
  plan(layer, p) {
    const quads = sizeOf(layer.outputs[0]!.shape) / 4;
    const wg = p['wg'] ?? 64;
    return [{
      kernel: this.kernel,
      constants: { WG: wg },
      meta: new Meta().u32(quads).f32(layer.attrs.float('beta'), layer.attrs.float('scale')).done(),
      dispatch: grid(Math.ceil(quads / wg)),
      bindings: [{ input: 0 }, { output: 0 }],
    }];
  },
};

/** The plugin's spec; `version` is a parameter so that tests can register another version. */
export function scaledSwishPlugin(version = 1, kernels?: Record<string, string>): PluginSpec {
  return {
    name: 'example.ScaledSwish',
    version,
    domain: 'com.example',
    op: 'ScaledSwish',
    attrs: { beta: { kind: 'float', default: 1 }, scale: { kind: 'float', default: 1 } },
    infer([x]) {
      if (!x || !isFloat(x.dtype)) throw new Error(`ScaledSwish takes a float tensor, got ${x?.dtype ?? 'nothing'}`);
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
    reference([x], a) {
      const beta = a.float('beta');
      const scale = a.float('scale');
      return [fromFloat64(x!.dtype, x!.shape, toFloat64(x!).map((v) => scaledSwish(v, beta, scale)))];
    },
    kernels: kernels ?? { 'scaled-swish.wgsl': wgsl('scaled-swish.wgsl'), 'scaled-swish-vec4.wgsl': wgsl('scaled-swish-vec4.wgsl') },
    tactics: [scalar, vec4],
  };
}
