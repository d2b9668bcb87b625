// What a notebook shows (issue 8): pure functions from wgrt's values to SVG, HTML and Plotly
// figure specs. The graph view draws a network or an engine (./graph-view.ts); the plots draw
// calibration, tuning and benchmark results (./plots.ts); the tables are Arrow tables shown as HTML
// and saved as IPC files (./tables.ts); plotHtml and plotlyLoader turn a figure
// into HTML that renders in Jupyter and in exported notebooks, offline; show and progress send
// them to a tslab cell (./display.ts).
export { graphSvg, graphHtml, fusionHtml, COLLAPSE_ABOVE, type GraphViewOptions } from './graph-view.js';
export { fusionSteps, fusionStepsHtml, type FusionStep, type FusionStepsOptions } from './fusion-steps.js';
export * from './plots.js';
export { calibrationTable, layerTable, profileTable, readTable, tableHtml, writeTable } from './tables.js';
export { htmlPage, progress, setDisplay, show, type DisplaySink, type ProgressEvent } from './display.js';
