// Plugins: bring your own op (shape function, reference, WGSL tactics); see ./registry.ts.
export { registerPlugin, unregisterPlugin, listPlugins, pluginsOf, requirePlugins, pluginKernelId, PLUGINS } from './registry.js';
export type { PluginSpec, PluginTactic, RegisteredPlugin, PluginRecord } from './types.js';
