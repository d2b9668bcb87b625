export { importOnnx, loadOnnx, coverage, type OnnxImportOptions } from './import.js';
export { tensorFromProto, tensorToProto } from './tensor.js';
export { decodeTensorProto } from './proto.js';
export { exportOnnx, EXPORT_OPSET } from './export.js';
