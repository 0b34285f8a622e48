// Tiny server-side HTML helpers for the debug pages (no template engine, no client build).

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** JSON for a `<script>` block: `<` escaped so data can never close the tag. */
export function inlineJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function fmtNum(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function fmtAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function fmtTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const iso = d instanceof Date ? d.toISOString() : d;
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A table cell whose sort key is `sortValue` (numbers sort numerically). */
export function td(text: string, sortValue?: string | number | null, cls?: string): string {
  const v = sortValue === undefined || sortValue === null ? '' : ` data-v="${esc(sortValue)}"`;
  return `<td${v}${cls ? ` class="${esc(cls)}"` : ''}>${text}</td>`;
}

export function card(label: string, value: string, id?: string): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value"${id ? ` id="${esc(id)}"` : ''}>${value}</div></div>`;
}

const NAV: [string, string][] = [
  ['/debug', 'Overview'],
  ['/debug/universe', 'Universe'],
  ['/debug/open-interest', 'Open interest'],
  ['/debug/alerts', 'Alerts'],
  ['/debug/rate-limit', 'Rate limit'],
];

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
nav{background:#1d2330;padding:8px 16px}nav a{color:#cfd6e4;margin-right:16px;text-decoration:none}nav a.on{color:#fff;font-weight:600}
main{padding:16px}h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:12px}th,td{padding:4px 8px;border-bottom:1px solid #e3e6eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#eef0f4;position:sticky;top:0}
table.sortable th{cursor:pointer}table.sortable th[data-dir=asc]::after{content:' ▲'}table.sortable th[data-dir=desc]::after{content:' ▼'}
td.msg{text-align:left;white-space:normal;max-width:480px}tr.new{background:#fff6d6}tr.sel{background:#e4efff}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}.card{background:#fff;border:1px solid #e3e6eb;padding:8px 12px;min-width:120px}
.card .label{color:#69707d;font-size:12px}.card .value{font-size:18px;font-weight:600}
.up{color:#0a7d32}.down{color:#b3261e}.stale{color:#b3261e;font-weight:600}.muted{color:#69707d}
.chart{background:#fff;border:1px solid #e3e6eb;padding:8px;margin-bottom:12px;min-height:320px}
`;

/** Shared client script: click a header of `table.sortable` to sort by that column. */
const SORT_SCRIPT = `
function enableSorting(root){(root||document).querySelectorAll('table.sortable').forEach(function(t){
  var ths=t.tHead.rows[0].cells;Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){
    var dir=th.dataset.dir==='asc'?'desc':'asc';Array.prototype.forEach.call(ths,function(h){delete h.dataset.dir});th.dataset.dir=dir;
    var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=a.cells[i].dataset.v;var y=b.cells[i].dataset.v;if(x===undefined)x=a.cells[i].textContent;if(y===undefined)y=b.cells[i].textContent;
      var nx=Number(x),ny=Number(y);var c=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));return dir==='asc'?c:-c;});
    rows.forEach(function(r){body.appendChild(r)});});});});}
enableSorting();
`;

export function page(opts: {
  title: string;
  path: string;
  body: string;
  script?: string;
  head?: string;
  uplot?: boolean;
}): string {
  const nav = NAV.map(
    ([href, label]) => `<a href="${href}"${href === opts.path ? ' class="on"' : ''}>${esc(label)}</a>`,
  ).join('');
  const uplot = opts.uplot
    ? '<link rel="stylesheet" href="/debug/vendor/uplot.min.css"><script src="/debug/vendor/uplot.iife.min.js"></script>'
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(opts.title)} · VolSpike debug</title><link rel="icon" href="data:,"><style>${CSS}</style>${uplot}${opts.head ?? ''}</head>
<body><nav>${nav}</nav><main><h1>${esc(opts.title)}</h1>${opts.body}</main>
<script>${SORT_SCRIPT}(function(){${opts.script ?? ''}})();</script></body></html>`;
}
