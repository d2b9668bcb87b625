// The example plugin as a module for `wgrt --plugin FILE` (its default export is the spec).
import { scaledSwishPlugin } from './example-plugin.js';

export default scaledSwishPlugin();
