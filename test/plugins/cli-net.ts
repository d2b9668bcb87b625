// A network using the example plugin's op, as a module for `wgrt build` (run with --plugin test/plugins/cli-plugin.ts).
import { network } from '../../src/frontend/fluent/index.js';

const net = network('swish-net', { seed: 4 });
net.output('y', net.custom('ScaledSwish', [net.input('x', [1, 4, 6, 6]).conv2d(8, { kernel: 3, pad: 1 })], { beta: 2 }).relu());
export default net;
