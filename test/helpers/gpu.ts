import { afterAll } from 'vitest';
import { releaseDevices, requireGpu, type Gpu } from '../../src/runtime/device.js';

/**
 * The WebGPU device for GPU tests. A missing adapter fails the test (CI must not skip GPU
 * tests): on a machine without a GPU, lavapipe provides one (see README).
 */
export function useGpu(): () => Promise<Gpu> {
  afterAll(async () => {
    await releaseDevices();
  });
  return () => requireGpu();
}
