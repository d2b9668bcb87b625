/**
 * Plots for notebooks (issue 8): pure functions from wgrt's values to Plotly figure specs
 * ({ data, layout }), and the HTML that draws them. Each plot is one call:
 *
 *   display.html(plotlyLoader());                          // once per notebook
 *   display.html(plotHtml(microscope(collected, 'conv1_out'), { id: 'microscope-conv1' }));
 *   display.html(plotHtml(engineRoofline(engine, ctx.lastProfile(), peaks), { id: 'roofline' }));
 *
 * calibration: plots-calibration.ts; autotuning: plots-tuning.ts; benchmarks: plots-bench.ts;
 * HTML: plots-html.ts; the figure types: plots-figure.ts.
 */
export { PlotDataError, type Datum, type PlotAnnotation, type PlotAxis, type PlotFigure, type PlotLayout, type PlotShape, type PlotTrace } from './plots-figure.js';
export { calibrationMicroscope, microscope, sqnrBars, thresholds, type MicroscopeOptions } from './plots-calibration.js';
export { leaderboardRows, paramsText, tacticLeaderboard, type LeaderboardRow } from './plots-tuning.js';
export { compareEngines, engineRoofline, latencyHistogram, layerTimes, rooflinePlot, type EngineRun } from './plots-bench.js';
export { plotHtml, plotlyBundle, plotlyLoader, scriptSafe, type PlotHtmlOptions } from './plots-html.js';
