// The four light/ models (ResNet-50, SqueezeNet, ShuffleNet, DenseNet-121 architectures).
import { corpus } from './cases.js';
import { conformanceSuite } from './suite.js';

// Whole 224x224 networks on lavapipe (software Vulkan on 2 cores): minutes, not seconds.
conformanceSuite('ONNX light models', corpus().filter((c) => c.group === 'light'), 900_000);
