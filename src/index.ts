// wgrt's public API: build a network, build an engine, run it.
export * from './errors.js';
export * from './ir/index.js';
export * from './frontend/fluent/index.js';
export * from './frontend/onnx/index.js';
export { optimize, formatTrace, PIPELINE, MAX_LEVEL, type Pass, type PassContext, type TraceEntry, type Rewrite, type OptimizeOptions } from './passes/index.js';
export { runReference, runReferenceLayer, REFERENCE_KERNELS } from './reference/index.js';
export { TACTICS, candidates, tacticById, registerTactic } from './tactics/index.js';
export { Meta, grid } from './tactics/index.js';
export { registerPlugin, unregisterPlugin, listPlugins, type PluginSpec, type PluginTactic, type RegisteredPlugin, type PluginRecord } from './plugins/index.js';
export type { Tactic, KernelPlan, Binding, TacticParams } from './tactics/index.js';
export { build, buildTuned, Engine, type BuildOptions, type TunedBuildOptions } from './engine/engine.js';
export { autotune, type AutotuneOptions, type AutotuneProgress, type AutotuneResult } from './tune/autotune.js';
export { TimingCache, adapterFingerprint, type TimingRecord, type CandidateTiming } from './tune/cache.js';
export { describeEngine, type EngineDescription } from './engine/describe.js';
export { planMemory, type MemoryPlan } from './engine/memory.js';
export type { EngineLayer } from './engine/layers.js';
export { createContext, type ExecutionContext, type ContextOptions, type LayerTime, type Backend } from './runtime/context.js';
export { acquireGpu, requireGpu, releaseDevices, type Gpu, type AdapterSummary, type DeviceOptions } from './runtime/device.js';
