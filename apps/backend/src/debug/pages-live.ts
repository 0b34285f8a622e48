// /debug/alerts (live through Socket.IO); /debug/rate-limit lives in rate-limit-page.ts.
import type { PrismaClient } from '@volspike/db';
import { card, esc, fmtNum, fmtTime, page, td } from './html.js';

const num = (v: { toString(): string } | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v.toString());
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);

export interface OiAlertView {
  ts: string;
  symbol: string;
  direction: string;
  timeframe: string;
  pctChange: number | null;
  baseline: number | null;
  current: number | null;
  priceChange: number | null;
  fundingRate: number | null;
  /** timeframes held back by the symbol's cap and recorded on this alert (details.alsoCrossed) */
  alsoCrossed: string;
}

/** "15 min +6.00% 10:08:03Z, 1 hour +12.10% 10:09:15Z" from an alert's details; '—' when none. */
export function alsoCrossedText(details: unknown): string {
  const list =
    typeof details === 'object' && details !== null ? (details as { alsoCrossed?: unknown }).alsoCrossed : null;
  if (!Array.isArray(list) || list.length === 0) return '—';
  return list
    .map((e: { timeframe?: unknown; pctChange?: unknown; ts?: unknown }) => {
      const p =
        typeof e.pctChange === 'number' ? ` ${e.pctChange >= 0 ? '+' : ''}${(e.pctChange * 100).toFixed(2)}%` : '';
      const at = typeof e.ts === 'number' ? ` ${new Date(e.ts).toISOString().slice(11, 19)}Z` : '';
      return `${String(e.timeframe)}${p}${at}`;
    })
    .join(', ');
}

function oiRow(a: OiAlertView): string {
  const cls = a.direction === 'UP' ? 'up' : 'down';
  return `<tr>${td(esc(fmtTime(a.ts)), a.ts)}${td(esc(a.symbol))}${td(esc(a.direction), a.direction, cls)}${td(esc(a.timeframe))}${td(pct(a.pctChange), a.pctChange, cls)}${td(fmtNum(a.baseline, 2), a.baseline)}${td(fmtNum(a.current, 2), a.current)}${td(pct(a.priceChange), a.priceChange)}${td(a.fundingRate === null ? '—' : a.fundingRate.toFixed(6), a.fundingRate)}${td(esc(a.alsoCrossed))}</tr>`;
}

const ALERTS_SCRIPT = `
function fmtT(s){return s?String(s).replace('T',' ').replace(/\\.\\d+Z$/,'Z'):'—'}
function cell(text,cls){var td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;return td}
function pct(v){return v===null||v===undefined?'—':(v*100).toFixed(2)+'%'}
function num(v,d){return v===null||v===undefined?'—':Number(v).toLocaleString('en-US',{maximumFractionDigits:d})}
function prepend(tableId,cells){var body=document.querySelector('#'+tableId+' tbody');var empty=body.querySelector('td[colspan]');if(empty)empty.parentNode.remove();
  var tr=document.createElement('tr');tr.className='new';cells.forEach(function(c){tr.appendChild(c)});body.insertBefore(tr,body.firstChild);
  while(body.rows.length>200)body.deleteRow(body.rows.length-1);var n=document.getElementById('live-count');n.textContent=String(Number(n.textContent)+1);}
var liveStatus=document.getElementById('live-status');
if(typeof io!=='function'){liveStatus.textContent='socket.io client not available';}else{
  var socket=io({path:'/socket.io',transports:['websocket','polling'],auth:{token:'guest'}});
  socket.on('connect',function(){socket.emit('subscribe-debug',function(r){liveStatus.textContent=r&&r.ok?'live':'connected, but the live feed needs an admin token (open /debug?token=<admin token>)'})});
  socket.on('disconnect',function(){liveStatus.textContent='disconnected, reconnecting…'});
  socket.on('connect_error',function(e){liveStatus.textContent='socket error: '+e.message});
  socket.on('debug-alert',function(m){var a=m.alert;if(m.kind==='oi'){var cls=a.direction==='UP'?'up':'down';
      prepend('oi-alerts',[cell(fmtT(a.ts)),cell(a.symbol),cell(a.direction,cls),cell(a.timeframe),cell(pct(a.pctChange),cls),cell(num(a.baseline,2)),cell(num(a.current,2)),cell(pct(a.priceChange)),cell(a.fundingRate===null?'—':a.fundingRate.toFixed(6)),cell('—')]);}
    else{prepend('volume-alerts',[cell(fmtT(a.timestamp)),cell(a.symbol),cell(a.alertType),cell(num(a.volumeRatio,2)+'x'),cell(num(a.currentVolume,0)),cell(num(a.price,6)),cell(a.candleDirection||'—'),cell(fmtT(a.detectionTime)),cell(a.message,'msg')]);}});
}
`;

export async function renderAlerts(prisma: PrismaClient): Promise<string> {
  const [oi, vol] = await Promise.all([
    prisma.openInterestAlert.findMany({ orderBy: { ts: 'desc' }, take: 50 }),
    prisma.volumeAlert.findMany({ orderBy: { timestamp: 'desc' }, take: 50 }),
  ]);
  const oiRows = oi
    .map((a) =>
      oiRow({
        ts: a.ts.toISOString(),
        symbol: a.symbol,
        direction: a.direction,
        timeframe: a.timeframe,
        pctChange: num(a.pctChange),
        baseline: num(a.baseline),
        current: num(a.current),
        priceChange: num(a.priceChange),
        fundingRate: num(a.fundingRate),
        alsoCrossed: alsoCrossedText(a.details),
      }),
    )
    .join('');
  const volRows = vol
    .map(
      (a) =>
        `<tr>${td(esc(fmtTime(a.timestamp)), a.timestamp.toISOString())}${td(esc(a.symbol))}${td(esc(a.alertType))}${td(`${fmtNum(a.volumeRatio, 2)}x`, a.volumeRatio)}${td(fmtNum(a.currentVolume, 0), a.currentVolume)}${td(fmtNum(a.price, 6), a.price)}${td(esc(a.candleDirection ?? '—'))}${td(esc(fmtTime(a.detectionTime)))}<td class="msg">${esc(a.message)}</td></tr>`,
    )
    .join('');
  const body = `
<div class="cards">${card('Live feed', '<span id="live-status">connecting…</span>')}${card('Live alerts received', '<span id="live-count">0</span>')}</div>
<h2>Open-interest alerts (latest 50)</h2>
<table id="oi-alerts" class="sortable"><thead><tr><th>time</th><th>symbol</th><th>direction</th><th>timeframe</th><th>change</th><th>baseline</th><th>current</th><th>price change</th><th>funding</th><th title="timeframes that crossed later inside the symbol's alert cap (OI_ALERT_SYMBOL_COOLDOWN_MIN), recorded here instead of alerting">also crossed</th></tr></thead>
<tbody>${oiRows || '<tr><td colspan="10" class="muted">no OI alert yet</td></tr>'}</tbody></table>
<h2>Volume alerts (latest 50)</h2>
<table id="volume-alerts" class="sortable"><thead><tr><th>time</th><th>symbol</th><th>type</th><th>ratio</th><th>volume</th><th>price</th><th>candle</th><th>detected</th><th>message</th></tr></thead>
<tbody>${volRows || '<tr><td colspan="9" class="muted">no volume alert yet</td></tr>'}</tbody></table>`;
  return page({
    title: 'Alerts',
    path: '/debug/alerts',
    body,
    head: '<script src="/socket.io/socket.io.js"></script>',
    script: ALERTS_SCRIPT,
  });
}

export { renderRateLimit } from './rate-limit-page.js';
