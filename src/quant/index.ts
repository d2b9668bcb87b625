// INT8: calibration (histograms of activations, thresholds by TensorRT's methods, the table and
// its file forms), data sources, explicit quantization (Q/DQ) and accuracy.
export { Histogram, DEFAULT_BINS, type HistogramOptions } from './histogram.js';
export {
  amaxFor,
  entropyBin,
  percentileBin,
  mseBin,
  klDivergence,
  scaleOf,
  isCalibrationMethod,
  CALIBRATION_METHODS,
  INT8_MAX,
  DEFAULT_PERCENTILE,
  DEFAULT_START_BIN,
  type CalibrationMethod,
  type AmaxOptions,
} from './calibrators.js';
export {
  QuantTable,
  weightAmax,
  float32Hex,
  hexFloat32,
  type CalibrationSettings,
  type ActivationRange,
  type WeightRange,
  type QuantTableInit,
} from './table.js';
export {
  calibrate,
  collectHistograms,
  tableFrom,
  weightRanges,
  weightAxis,
  type Feeds,
  type BatchSource,
  type CalibrationProgress,
  type CollectOptions,
  type CalibrateOptions,
  type Collected,
} from './calibrate.js';
export { insertQdq, quantizableNodes, type QdqOptions } from './qdq.js';
export { predict, agreement, type Runner } from './accuracy.js';
export { readIdx, labels, imageBatches, type Idx, type Batches } from './data.js';
export { arrowBatches, arrowBytes, writeArrow } from './data-arrow.js';
export type { ActivationRunner, RunnerFactory } from './calibrate.js';
export { sensitivity, keepForBudget, sqnrDb, type LayerSensitivity, type SensitivityReport, type BudgetResult, type GraphRunner, type Metric } from './sensitivity.js';
