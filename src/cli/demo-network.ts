import { network } from '../frontend/fluent/index.js';
import type { Graph } from '../ir/graph.js';

/**
 * The embedded default network of `wgrt demo`: a small ResNet-style CNN for 32x32 RGB images
 * (stem, two residual stages, a concat of two branches, global pooling and a classifier).
 */
export function demoNetwork(): Graph {
  const net = network('demo-cnn', { seed: 7 });
  const x = net.input('image', [1, 3, 32, 32]);
  const stem = x.conv2d(16, { kernel: 3, pad: 1 }).batchNorm().relu();
  const block1 = stem.conv2d(16, { kernel: 3, pad: 1 }).batchNorm().relu().conv2d(16, { kernel: 3, pad: 1 }).batchNorm();
  const r1 = block1.add(stem).relu().maxPool({ kernel: 2, stride: 2 });
  const a = r1.conv2d(16, { kernel: 1 }).relu();
  const b = r1.conv2d(16, { kernel: 3, pad: 1 }).relu();
  const cat = a.concat(b, 1);
  const down = cat.conv2d(64, { kernel: 3, pad: 1, stride: 2 }).batchNorm().relu();
  const logits = down.globalAvgPool().flatten().dense(10);
  net.output('probabilities', logits.softmax());
  return net.build();
}
