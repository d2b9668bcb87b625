/**
 * Conformance cases that do not pass, each with the reason. The suite fails when one of these
 * starts passing (remove it here) or when any other case fails.
 */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

/**
 * Exported models that onnxruntime (CPU) cannot run or runs differently from ONNX's own
 * expected outputs, which wgrt matches.
 */
export const ORT_GAPS: Readonly<Record<string, string>> = {
  test_clip_default_int8_min_expanded: 'onnxruntime has no CPU kernel for Where on int8 ("Could not find an implementation for Where(16)")',
  test_resize_downsample_scales_cubic_align_corners:
    'onnxruntime gives 2.5 where ONNX expects 2.3952 (align_corners with a fractional output length: onnxruntime divides by the integer length); wgrt matches ONNX',
  test_resize_downsample_scales_linear_align_corners:
    'onnxruntime gives 4 where ONNX expects 3.1428 (align_corners resizing an axis to one element); wgrt matches ONNX',
};
