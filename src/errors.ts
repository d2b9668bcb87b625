/**
 * Every error wgrt throws on bad input is one of these classes. Each message names the thing
 * at fault (node, op, file, line:column) and says what to do about it.
 */
export class WgrtError extends Error {
  override readonly name: string = 'WgrtError';
}

/** A graph that is not well formed: dangling tensor, cycle, duplicate name, bad attribute. */
export class GraphError extends WgrtError {
  override readonly name = 'GraphError';
}

/** Shapes that do not fit an op; thrown by shape inference and by the fluent DSL at the call. */
export class ShapeError extends WgrtError {
  override readonly name = 'ShapeError';
}

/** An op, dtype or attribute value that wgrt does not support (yet). */
export class UnsupportedError extends WgrtError {
  override readonly name = 'UnsupportedError';
}

/** An engine file that is truncated, corrupt, of another version, or not an engine at all. */
export class EngineFormatError extends WgrtError {
  override readonly name = 'EngineFormatError';
}

/** Inputs given to run() that do not match the engine: missing, extra, wrong shape or dtype. */
export class InputError extends WgrtError {
  override readonly name = 'InputError';
}

/** WebGPU failures: no adapter where one is required, a lost device, a shader that failed to compile. */
export class DeviceError extends WgrtError {
  override readonly name = 'DeviceError';
}
