/**
 * An SVG in a scrolling, zoomable viewport, as one HTML string with a few lines of inline
 * script: no external resource, so it renders offline, in exported notebook HTML and in
 * headless Chromium.
 *
 * Zoom is by the −/+/fit/1:1 buttons and ctrl+wheel (a plain wheel keeps scrolling the notebook:
 * a view that swallows the wheel traps the reader); dragging pans. Zooming rescales the SVG's
 * width and height, its viewBox keeps the drawing sharp. Without script (a viewer that strips
 * it) the viewport still scrolls at 1:1.
 *
 * The script finds its viewport by a data attribute derived from the SVG's content, never an
 * id or `document.currentScript` (which Jupyter front ends do not always set), and binds every
 * matching viewport not yet bound: the same picture shown twice gets both bound.
 */
import { escapeXml } from './svg.js';

export interface PanZoomOptions {
  /** Viewport height in px (the page scrolls inside it). */
  readonly height?: number;
}

export function panZoomHtml(svg: string, opts: PanZoomOptions = {}): string {
  const key = `wgrt-${fnv1a(svg)}`;
  const height = Math.max(120, Math.round(opts.height ?? 640));
  const button = (act: string, label: string, title: string) =>
    `<button type="button" data-act="${act}" title="${escapeXml(title)}" style="font:12px sans-serif;padding:1px 7px;margin-right:3px;cursor:pointer">${label}</button>`;
  return [
    `<div class="wgrt-view" data-wgrt-view="${key}" style="border:1px solid #ccc;border-radius:4px;background:#fff">`,
    `<div style="padding:3px 4px;border-bottom:1px solid #eee;font:11px sans-serif;color:#666">`,
    button('out', '−', 'zoom out'),
    button('in', '+', 'zoom in'),
    button('fit', 'fit', 'fit the whole graph'),
    button('one', '1:1', 'actual size'),
    ` <span>ctrl+wheel zooms, drag pans</span></div>`,
    `<div class="wgrt-viewport" style="overflow:auto;max-height:${height}px;cursor:grab">`,
    svg,
    `</div></div>`,
    `<script>${script(key, height)}</script>`,
  ].join('\n');
}

/** Plain ES5 so any notebook front end runs it; `key` is [a-z0-9-] only. */
function script(key: string, height: number): string {
  return `(function(){
document.querySelectorAll('[data-wgrt-view="${key}"]').forEach(function(root){
if(root.getAttribute('data-bound'))return;root.setAttribute('data-bound','1');
var port=root.querySelector('.wgrt-viewport'),svg=port.querySelector('svg');
var vb=svg.viewBox.baseVal,w=vb.width,h=vb.height,s=1;
function zoom(f,cx,cy){var n=Math.min(8,Math.max(0.02,s*f));if(cx===undefined){cx=port.clientWidth/2;cy=port.clientHeight/2;}
var x=(port.scrollLeft+cx)/s,y=(port.scrollTop+cy)/s;s=n;svg.setAttribute('width',w*s);svg.setAttribute('height',h*s);
port.scrollLeft=x*s-cx;port.scrollTop=y*s-cy;}
root.querySelectorAll('button[data-act]').forEach(function(b){b.addEventListener('click',function(){var a=b.getAttribute('data-act');
if(a==='in')zoom(1.25);else if(a==='out')zoom(0.8);else if(a==='one')zoom(1/s);
else zoom(Math.min(port.clientWidth/w,${height}/h)/s,0,0);});});
port.addEventListener('wheel',function(e){if(!e.ctrlKey&&!e.metaKey)return;e.preventDefault();var r=port.getBoundingClientRect();
zoom(e.deltaY<0?1.1:1/1.1,e.clientX-r.left,e.clientY-r.top);},{passive:false});
var drag=null;port.addEventListener('pointerdown',function(e){if(e.button!==0)return;drag={x:e.clientX,y:e.clientY,l:port.scrollLeft,t:port.scrollTop};port.style.cursor='grabbing';});
window.addEventListener('pointermove',function(e){if(!drag)return;port.scrollLeft=drag.l-(e.clientX-drag.x);port.scrollTop=drag.t-(e.clientY-drag.y);});
window.addEventListener('pointerup',function(){drag=null;port.style.cursor='grab';});
});})();`;
}

/** 32-bit FNV-1a of a string, as 8 hex digits: a stable key for the same picture. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
