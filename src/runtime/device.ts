import { DeviceError } from '../errors.js';

export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly features: readonly string[];
  readonly subgroupMinSize?: number;
  readonly subgroupMaxSize?: number;
  readonly isFallbackAdapter: boolean;
}

export interface DeviceOptions {
  /** Create the GPU with `enable-dawn-features=allow_unsafe_apis` (subgroup matrices). */
  readonly unsafeApis?: boolean;
  /**
   * false: Dawn's `disable_robustness` toggle, so shaders lose the bounds clamp on every storage
   * access. wgrt's kernels check their own bounds, so results are the same; a kernel (a plugin's)
   * that reads out of range then reads garbage instead of a clamped element. Default true.
   */
  readonly robustness?: boolean;
  readonly powerPreference?: GPUPowerPreference;
}

/** A WebGPU device with what wgrt recorded of its adapter. */
export interface Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly features: ReadonlySet<string>;
  readonly limits: GPUSupportedLimits;
  /** The Dawn instance: held here so the garbage collector never tears Dawn down under a live device. */
  readonly instance: GPU;
  /** Set when the device was lost; runs fail with a DeviceError naming the reason. */
  readonly lost: string | undefined;
  release(): void;
}

export const ADAPTER_HELP =
  'no WebGPU adapter was found. On Linux without a GPU, install a Vulkan driver: on Debian 12, ' +
  'add the bookworm-backports suite and `apt-get install -t bookworm-backports mesa-vulkan-drivers` (Mesa >= 23; ' +
  "Debian 12's own Mesa 22 is rejected by Dawn), and set XDG_RUNTIME_DIR (e.g. /tmp)";

interface WebGpuModule {
  create(flags: string[]): GPU;
  globals: object;
}

let moduleP: Promise<WebGpuModule | undefined> | undefined;
const gpus = new Map<string, Promise<Gpu | undefined>>();

async function loadModule(): Promise<WebGpuModule | undefined> {
  try {
    const m = (await import('webgpu')) as unknown as WebGpuModule;
    Object.assign(globalThis, m.globals);
    return m;
  } catch {
    return undefined;
  }
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const sub = info as unknown as { subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    features: [...adapter.features].sort(),
    ...(sub.subgroupMinSize ? { subgroupMinSize: sub.subgroupMinSize, subgroupMaxSize: sub.subgroupMaxSize } : {}),
    isFallbackAdapter: (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
  };
}

// Features wgrt asks for whenever the adapter has them.
const WANTED = ['timestamp-query', 'shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'];

async function open(opts: DeviceOptions): Promise<Gpu | undefined> {
  process.env['XDG_RUNTIME_DIR'] ??= '/tmp';
  const m = await (moduleP ??= loadModule());
  if (!m) return undefined;
  // Dawn rounds timestamps down to 2^16 ns by default (a browser privacy measure); a profiler
  // needs them exact.
  const flags = ['disable-dawn-features=timestamp_quantization'];
  const enable = [...(opts.unsafeApis ? ['allow_unsafe_apis'] : []), ...(opts.robustness === false ? ['disable_robustness'] : [])];
  if (enable.length) flags.push(`enable-dawn-features=${enable.join(',')}`);
  const gpu = m.create(flags);
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
  if (!adapter) return undefined;
  const requiredFeatures = WANTED.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    },
  });
  const state: { lost: string | undefined } = { lost: undefined };
  let released = false;
  void device.lost.then((info) => {
    if (!released) state.lost = `${info.reason}: ${info.message}`;
  });
  return {
    device,
    adapter: summarize(adapter),
    features: new Set(device.features),
    limits: device.limits,
    instance: gpu,
    get lost() {
      return state.lost;
    },
    release() {
      released = true;
      device.destroy();
    },
  };
}

/**
 * The shared WebGPU device (one per option set), or undefined when no adapter exists.
 * Dawn keeps node alive while a device exists: call `releaseDevices()` before exit.
 */
export function acquireGpu(opts: DeviceOptions = {}): Promise<Gpu | undefined> {
  const key = JSON.stringify(opts);
  let p = gpus.get(key);
  if (!p) {
    p = open(opts).catch((e: unknown) => {
      gpus.delete(key);
      throw new DeviceError(`creating the WebGPU device failed: ${(e as Error).message}`);
    });
    gpus.set(key, p);
  }
  return p;
}

/** Like acquireGpu, but a missing adapter is an error (tests, `--require-gpu`). */
export async function requireGpu(opts: DeviceOptions = {}): Promise<Gpu> {
  const g = await acquireGpu(opts);
  if (!g) throw new DeviceError(ADAPTER_HELP);
  return g;
}

export async function releaseDevices(): Promise<void> {
  const all = [...gpus.values()];
  gpus.clear();
  for (const p of all) {
    const g = await p.catch(() => undefined);
    g?.release();
  }
}
