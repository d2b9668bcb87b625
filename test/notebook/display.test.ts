// src/notebook/display.ts: what show and progress send, to a sink (as a test or an HTML export
// captures it) and, outside a tslab kernel, the error that says how to get one.
import { afterEach, describe, expect, it } from 'vitest';
import { NotebookError } from '../../src/errors.js';
import { htmlPage, progress, setDisplay, show, type DisplaySink } from '../../src/notebook/display.js';

function capture(): { sink: DisplaySink; shown: string[]; entries: string[][] } {
  const shown: string[] = [];
  const entries: string[][] = [];
  return {
    shown,
    entries,
    sink: {
      html: (h) => void shown.push(h),
      entry: () => {
        const e: string[] = [];
        entries.push(e);
        return (h) => void e.push(h);
      },
    },
  };
}

afterEach(() => void setDisplay(undefined));

describe('show and progress', () => {
  it('show sends its views, joined, as one output entry', () => {
    const c = capture();
    setDisplay(c.sink);
    show('<b>a</b>', '<svg></svg>');
    expect(c.shown).toEqual(['<b>a</b>\n<svg></svg>']);
  });

  it('progress rewrites one entry per event: the autotuner\'s and calibration\'s', () => {
    const c = capture();
    setDisplay(c.sink);
    const tune = progress('tuning <fast>');
    tune({ done: 1, total: 4, layer: 'conv1' });
    tune({ done: 4, total: 4, layer: 'fc' });
    const cal = progress('calibrating');
    cal({ batch: 3, batches: 12 });
    cal({ batch: 5 }); // total unknown
    expect(c.entries).toHaveLength(2);
    expect(c.entries[0]![0]).toContain('tuning &lt;fast&gt;: 1 / 4 · conv1');
    expect(c.entries[0]![0]).toContain('width:25.0%');
    expect(c.entries[0]![1]).toContain('width:100.0%');
    expect(c.entries[1]![0]).toContain('calibrating: 3 / 12');
    expect(c.entries[1]![1]).toContain('calibrating: 5<');
    expect(c.shown).toEqual([]);
  });

  it('outside a tslab kernel, show says how to get one', () => {
    expect(() => show('<b>x</b>')).toThrow(NotebookError);
    expect(() => show('<b>x</b>')).toThrow(/notebook:install/);
  });

  it('htmlPage wraps views in a standalone page with an escaped title', () => {
    const page = htmlPage('a < b', ['<svg id="v"></svg>']);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<title>a &lt; b</title>');
    expect(page).toContain('<svg id="v"></svg>');
  });
});
