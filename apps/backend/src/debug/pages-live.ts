// /debug/alerts (live through Socket.IO) and /debug/rate-limit (polls /debug/api/rate-limit).
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

const RATE_SCRIPT = `
var COLORS=['#2563eb','#16a34a','#d97706','#9333ea','#dc2626','#0891b2','#4b5563','#db2777'];var chart=null;var chartKey='';
function n(v,d){return v===null||v===undefined||!isFinite(v)?'—':Number(v).toLocaleString('en-US',{maximumFractionDigits:d===undefined?0:d})}
function set(id,t){var el=document.getElementById(id);if(el)el.textContent=t}
function rows(id,html){document.querySelector('#'+id+' tbody').innerHTML=html}
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}
function render(d){var s=d.latest;
  set('used',s?n(s.usedLastMinute):'—');set('usable',s?n(s.usablePerMin):'—');set('headroom',s?n(s.headroom):'—');
  set('server-used',s?n(s.serverUsedWeight1m):'—');set('queued',s?n(s.queued):'—');set('r429',s?n(s.rejected429):'—');set('b418',s?n(s.banned418):'—');
  set('paused',s&&s.pausedUntil&&s.pausedUntil>Date.now()?'until '+new Date(s.pausedUntil).toISOString().slice(11,19)+' ('+(s.pauseReason||'')+')':'no');
  var p=d.oiPoller;set('poll-interval',p&&p.pollIntervalMs!=null?n(p.pollIntervalMs/1000,2)+' s':'—');set('polls-per-min',p&&p.pollsPerMin!=null?n(p.pollsPerMin,1):'—');
  set('universe-size',p&&p.universeSize!=null?n(p.universeSize):'—');set('poller-errors',p&&p.errors!=null?n(p.errors):'—');set('alerts-per-min',p&&p.alertsPerMin!=null?n(p.alertsPerMin,2):'—');
  rows('components',s?Object.keys(s.byComponent).sort().map(function(k){var c=s.byComponent[k];return '<tr><td>'+esc(k)+'</td><td>'+n(c.usedLastMinute)+'</td><td>'+n(c.requestsLastMinute)+'</td><td>'+n(c.reservePerMin)+'</td><td>'+n(c.queued)+'</td></tr>'}).join(''):'<tr><td colspan="5" class="muted">no budget snapshot yet</td></tr>');
  rows('heartbeats',d.heartbeats.length?d.heartbeats.map(function(h){return '<tr><td>'+esc(h.component)+'</td><td>'+esc(h.status)+'</td><td>'+n(h.ageMs/1000)+' s</td><td class="msg">'+esc(JSON.stringify(h.details))+'</td></tr>'}).join(''):'<tr><td colspan="4" class="muted">no heartbeat yet</td></tr>');
  var comps=d.components;var xs=d.history.map(function(h){return h.at/1000});
  var data=[xs,d.history.map(function(h){return h.usedLastMinute}),d.history.map(function(h){return h.usablePerMin})].concat(comps.map(function(c){return d.history.map(function(h){return h.byComponent[c]===undefined?null:h.byComponent[c]})}));
  var key=comps.join(',');var el=document.getElementById('budget-chart');set('chart-note',xs.length+' snapshots');
  if(!chart||key!==chartKey){if(chart)chart.destroy();chartKey=key;
    chart=new uPlot({width:Math.max(300,el.clientWidth-16),height:320,scales:{x:{time:true}},
      series:[{},{label:'total used/min',stroke:'#111827',width:2},{label:'usable/min',stroke:'#9ca3af',dash:[6,4],width:1}].concat(comps.map(function(c,i){return {label:c,stroke:COLORS[i%COLORS.length],width:1.5}})),
      axes:[{},{label:'weight / min'}]},data,el);}
  else chart.setData(data);}
function load(){fetch('/debug/api/rate-limit',{credentials:'same-origin'}).then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.json()}).then(render)
  .catch(function(e){set('chart-note',String(e.message||e))}).finally(function(){setTimeout(load,5000)})}
load();
`;

export function renderRateLimit(): string {
  const body = `
<div class="cards">
${card('Used (last minute)', '—', 'used')}${card('Usable / min', '—', 'usable')}${card('Headroom', '—', 'headroom')}
${card('Binance used weight 1m', '—', 'server-used')}${card('Queued', '—', 'queued')}${card('429s', '—', 'r429')}${card('418s', '—', 'b418')}${card('Paused', '—', 'paused')}
</div>
<div class="cards">
${card('OI poll interval', '—', 'poll-interval')}${card('OI polls / min', '—', 'polls-per-min')}${card('OI universe size', '—', 'universe-size')}${card('OI poller errors', '—', 'poller-errors')}${card('OI alerts / min', '—', 'alerts-per-min')}
</div>
<div class="chart"><strong>Weight used per minute, by component</strong> <span id="chart-note" class="muted"></span><div id="budget-chart"></div></div>
<h2>By component (latest snapshot)</h2>
<table id="components"><thead><tr><th>component</th><th>weight used (1 min)</th><th>requests (1 min)</th><th>reserved / min</th><th>queued</th></tr></thead><tbody></tbody></table>
<h2>Heartbeats</h2>
<table id="heartbeats"><thead><tr><th>component</th><th>status</th><th>age</th><th>details</th></tr></thead><tbody></tbody></table>`;
  return page({ title: 'REST weight budget', path: '/debug/rate-limit', body, script: RATE_SCRIPT, uplot: true });
}
