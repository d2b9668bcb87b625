// The four light/ models (ResNet-50, SqueezeNet, ShuffleNet, DenseNet-121 architectures).
import { corpus } from './cases.js';
import { conformanceSuite } from './suite.js';

conformanceSuite('ONNX light models', corpus().filter((c) => c.group === 'light'));
