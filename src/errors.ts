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
  override readonly name: string = 'UnsupportedError';
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

/**
 * A timing cache that cannot be read (not JSON, another format or version, a malformed record),
 * or, in strict mode, one that lacks a layer the build needs.
 */
export class TimingCacheError extends WgrtError {
  override readonly name = 'TimingCacheError';
}

/**
 * A model file (ONNX) that cannot be read: not a protobuf, truncated, a field out of range, a
 * tensor whose data does not match its declared size, external data outside the model's folder.
 */
export class ModelFormatError extends WgrtError {
  override readonly name = 'ModelFormatError';
}

/**
 * A plugin (src/plugins) that cannot be registered as given (a name, op or tactic id already
 * taken, a tactic pointing at WGSL the plugin lacks), or one that an engine file needs but that
 * is not registered, or is registered in another version.
 */
export class PluginError extends WgrtError {
  override readonly name = 'PluginError';
}

/** One node (or tensor) of a model that wgrt cannot import, and why. */
export interface CoverageGap {
  readonly node: string;
  readonly op: string;
  readonly domain: string;
  readonly opset: number;
  readonly reason: string;
}

/** Every unsupported op, dtype or attribute of a model, reported at once before any build work. */
export class CoverageError extends UnsupportedError {
  override readonly name = 'CoverageError';
  constructor(readonly gaps: readonly CoverageGap[], what: string) {
    super(
      `${what}: ${gaps.length} node${gaps.length === 1 ? '' : 's'} cannot be imported:\n` +
        gaps.map((g) => `  ${g.node} (${g.domain || 'ai.onnx'}::${g.op}, opset ${g.opset}): ${g.reason}`).join('\n') +
        '\nRun `wgrt inspect <model.onnx> --coverage` for the full report.',
    );
  }
}

/**
 * INT8 calibration that cannot go on (a batch missing an input, of the wrong shape or dtype, with
 * NaN or infinite values; no batches at all), or a quantization table or TensorRT calibration
 * cache that cannot be read (not the format, another version, a malformed entry).
 */
export class CalibrationError extends WgrtError {
  override readonly name = 'CalibrationError';
}

/**
 * A value a notebook plot cannot be drawn from: a tensor without a histogram, a profile that was
 * never taken, a layer missing from a profile. The message says which and how to get it.
 */
export class PlotDataError extends WgrtError {
  override readonly name = 'PlotDataError';
}

/** A notebook view shown where no notebook is: tslab missing, or not inside its kernel. */
export class NotebookError extends WgrtError {
  override readonly name = 'NotebookError';
}
