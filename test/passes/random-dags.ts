/**
 * Random networks for property tests of the optimizer: convs with BatchNorm and activations,
 * residual adds, concats of branches, pointwise chains with constants, transposes and reshapes
 * that cancel, pools, and a dense head. Seeded: the same seed gives the same network.
 */
import { network } from '../../src/frontend/fluent/index.js';
import type { TensorHandle } from '../../src/frontend/fluent/tensor-handle.js';
import type { Graph } from '../../src/ir/graph.js';
import { rng } from '../helpers/data.js';

export function randomDag(seed: number): Graph {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const net = network(`dag-${seed}`, { seed });
  let x: TensorHandle = net.input('x', [1, 3, 9, 9]);
  let channels = 3;
  const earlier: TensorHandle[] = [];
  const act = (t: TensorHandle) => pick([(u: TensorHandle) => u.relu(), (u: TensorHandle) => u.sigmoid(), (u: TensorHandle) => u.clip(0, 6), (u: TensorHandle) => u.leakyRelu(0.1), (u: TensorHandle) => u])(t);
  const blocks = 3 + Math.floor(r() * 4);
  for (let b = 0; b < blocks; b++) {
    switch (Math.floor(r() * 6)) {
      case 0: {
        // conv (+bn) (+act)
        const out = pick([4, 6, 8]);
        let y = x.conv2d(out, { kernel: pick([1, 3]), pad: 'same' });
        if (r() < 0.7) y = y.batchNorm({ init: 'random' });
        x = act(y);
        channels = out;
        break;
      }
      case 1: {
        // residual block keeping channels
        const y = x.conv2d(channels, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).relu().conv2d(channels, { kernel: 3, pad: 1 });
        x = act(y.add(x));
        break;
      }
      case 2: {
        // two branches concatenated on channels
        const a = x.conv2d(4, { kernel: 1 }).relu();
        const c2 = x.conv2d(2, { kernel: 3, pad: 1 });
        x = a.concat(c2, 1);
        channels = 6;
        break;
      }
      case 3: {
        // pointwise chain with constants
        x = x.mul(0.5).add(0.25).sigmoid().mul(x).sub(0.1);
        break;
      }
      case 4: {
        // transposes and reshapes that cancel or merge
        const [n, c, h, w] = [1, channels, 9, 9];
        x = x.transpose([0, 2, 3, 1]).transpose([0, 3, 1, 2]).reshape([n, c, h * w]).reshape([n, c, h, w]);
        break;
      }
      default: {
        if (earlier.length > 0) {
          const e = pick(earlier);
          // an add with an earlier tensor of the same shape, else a pointwise op
          x = e.shape.join() === x.shape.join() ? x.add(e) : x.abs().sqrt();
        } else x = x.neg().exp().mul(0.5);
      }
    }
    earlier.push(x);
  }
  const pooled = x.globalAvgPool().flatten();
  net.output('logits', pooled.dense(5));
  net.output('features', x.relu());
  return net.build();
}
