// /debug/rate-limit: the REST weight budget (polls /debug/api/rate-limit every 5 s) and the OI scheduler.
//
// Two sums of weight are shown side by side. "Last 60 s (sliding)" adds up every request of the last
// 60 seconds; right after a window boundary it can read above "usable / min" without anything being wrong,
// because it holds the end of the previous window too. "This budget window" is the weight spent in the
// budget's own fixed window — the one its reservoir is refilled for, and the only one usable / min is
// enforced against. A breach shows in the second; a boundary only in the first.
import { card, page } from './html.js';

/** One colour per component, fixed for the known ones so a component keeps its colour across reloads. */
export const COMPONENT_COLORS: Record<string, string> = {
  'oi-poller': '#2563eb',
  'universe-job': '#16a34a',
  'binance-proxy': '#d97706',
  'volume-alerts': '#9333ea',
  funding: '#0891b2',
  'user-alerts': '#db2777',
  bench: '#65a30d',
};
/** For components not listed above (backfills, new apps): distinct from the fixed ones and from each other. */
export const EXTRA_COLORS = ['#b45309', '#7c3aed', '#0f766e', '#be123c', '#4d7c0f', '#1e40af', '#a21caf', '#c2410c'];

const RATE_SCRIPT = `
var FIXED=${JSON.stringify(COMPONENT_COLORS)};var EXTRA=${JSON.stringify(EXTRA_COLORS)};var chart=null;var chartKey='';
function colours(comps){var out={};var i=0;comps.forEach(function(c){out[c]=FIXED[c]||EXTRA[(i++)%EXTRA.length]});return out}
function n(v,d){return v===null||v===undefined||!isFinite(v)?'—':Number(v).toLocaleString('en-US',{maximumFractionDigits:d===undefined?0:d})}
function set(id,t){var el=document.getElementById(id);if(el)el.textContent=t}
function rows(id,html){document.querySelector('#'+id+' tbody').innerHTML=html}
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}
function hms(t){return new Date(t).toISOString().slice(11,19)}
function renderBudget(s){
  set('used',s?n(s.usedLastMinute):'—');set('usable',s?n(s.usablePerMin):'—');set('headroom',s?n(s.headroom):'—');
  var w=s&&s.window;set('window-used',w?n(w.used):'—');set('window-span',w?hms(w.startedAt)+'–'+hms(w.startedAt+w.lengthMs)+' UTC':'');
  set('window-verdict',!s?'':w?(w.used>s.usablePerMin?'over the usable weight in its own window':s.usedLastMinute>s.usablePerMin?'sliding sum spans a window boundary: not a breach':'within budget'):'window unknown (older snapshot)');
  set('server-used',s?n(s.serverUsedWeight1m):'—');set('queued',s?n(s.queued):'—');set('r429',s?n(s.rejected429):'—');set('b418',s?n(s.banned418):'—');
  set('paused',s&&s.pausedUntil&&s.pausedUntil>Date.now()?'until '+hms(s.pausedUntil)+' ('+(s.pauseReason||'')+')':'no');
  var cols=s?colours(Object.keys(s.byComponent).sort()):{};
  rows('components',s?Object.keys(s.byComponent).sort().map(function(k){var c=s.byComponent[k];return '<tr><td><span class="swatch" style="background:'+cols[k]+'"></span>'+esc(k)+'</td><td>'+n(c.usedLastMinute)+'</td><td>'+n(c.usedThisWindow)+'</td><td>'+n(c.requestsLastMinute)+'</td><td>'+n(c.reservePerMin)+'</td><td>'+n(c.queued)+'</td></tr>'}).join(''):'<tr><td colspan="6" class="muted">no budget snapshot yet</td></tr>');}
function renderScheduler(d){var p=d.oiPoller;var st=p&&p.scheduler;
  set('poll-interval',p&&p.pollIntervalMs!=null?n(p.pollIntervalMs/1000,2)+' s':'—');set('polls-per-min',p&&p.pollsPerMin!=null?n(p.pollsPerMin,1):'—');
  set('universe-size',p&&p.universeSize!=null?n(p.universeSize):'—');set('poller-errors',p&&p.errors!=null?n(p.errors):'—');set('alerts-per-min',p&&p.alertsPerMin!=null?n(p.alertsPerMin,2):'—');
  set('sched-mode',st?st.mode+(st.tradeStream&&st.tradeStream!=='off'?' (trade stream '+st.tradeStream+')':''):'—');
  set('sched-mean',st&&st.meanIntervalSec!=null?n(st.meanIntervalSec,2)+' s':'—');set('sched-stale',st&&st.maxStalenessSec!=null?n(st.maxStalenessSec,1)+' s':'—');
  var iv=st&&st.intervalSec;set('sched-dist',iv?'p50 '+n(iv.p50,1)+' · p90 '+n(iv.p90,1)+' · p99 '+n(iv.p99,1)+' · max '+n(iv.max,1)+' s':'—');
  var r=st&&st.pollsByReason;set('sched-reasons',r?'activity '+n(r.activity)+' · staleness '+n(r.staleness)+' · fixed '+n(r.fixed):'—');
  var sy=d.oiSchedule&&d.oiSchedule.symbols||[];var now=d.now;
  rows('oi-schedule',sy.length?sy.slice().sort(function(a,b){return (a.lastPollAt||0)-(b.lastPollAt||0)}).map(function(x){return '<tr><td>'+esc(x.symbol)+'</td><td data-sort="'+(x.lastPollAt||0)+'">'+(x.lastPollAt?hms(x.lastPollAt)+' ('+n((now-x.lastPollAt)/1000,1)+' s ago)':'never')+'</td><td class="reason-'+esc(x.reason||'none')+'">'+esc(x.reason||'—')+'</td><td>'+(x.lastIntervalMs!=null?n(x.lastIntervalMs/1000,1)+' s':'—')+'</td><td>'+n(x.polls)+'</td></tr>'}).join(''):'<tr><td colspan="5" class="muted">no OI schedule published yet</td></tr>');}
function renderChart(d){var comps=d.components;var cols=colours(comps);var xs=d.history.map(function(h){return h.at/1000});
  var data=[xs,d.history.map(function(h){return h.usedLastMinute}),d.history.map(function(h){return h.windowUsed}),d.history.map(function(h){return h.usablePerMin})].concat(comps.map(function(c){return d.history.map(function(h){return h.byComponent[c]===undefined?null:h.byComponent[c]})}));
  var key=comps.join(',');var el=document.getElementById('budget-chart');set('chart-note',xs.length+' snapshots');
  if(!chart||key!==chartKey){if(chart)chart.destroy();chartKey=key;
    chart=new uPlot({width:Math.max(300,el.clientWidth-16),height:320,scales:{x:{time:true}},
      series:[{},{label:'used, last 60 s (sliding)',stroke:'#111827',width:2},{label:'used, this budget window',stroke:'#dc2626',width:2,dash:[2,3]},{label:'usable / window',stroke:'#9ca3af',dash:[6,4],width:1}].concat(comps.map(function(c){return {label:c+' (60 s)',stroke:cols[c],width:1.5}})),
      axes:[{},{label:'weight'}]},data,el);}
  else chart.setData(data);}
function render(d){renderBudget(d.latest);renderScheduler(d);renderChart(d);
  rows('heartbeats',d.heartbeats.length?d.heartbeats.map(function(h){return '<tr><td>'+esc(h.component)+'</td><td>'+esc(h.status)+'</td><td>'+n(h.ageMs/1000)+' s</td><td class="msg">'+esc(JSON.stringify(h.details))+'</td></tr>'}).join(''):'<tr><td colspan="4" class="muted">no heartbeat yet</td></tr>');}
function load(){fetch('/debug/api/rate-limit',{credentials:'same-origin'}).then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.json()}).then(render)
  .catch(function(e){set('chart-note',String(e.message||e))}).finally(function(){setTimeout(load,5000)})}
load();
`;

export function renderRateLimit(): string {
  const body = `
<style>.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.4em;border-radius:2px;vertical-align:middle}.reason-activity{color:#2563eb}.reason-staleness{color:#6b7280}.reason-fixed{color:#111827}</style>
<div class="cards">
${card('Used, last 60 s (sliding)', '—', 'used')}${card('Used, this budget window', '—', 'window-used')}${card('Usable / window', '—', 'usable')}${card('Headroom', '—', 'headroom')}
${card('Binance used weight 1m', '—', 'server-used')}${card('Queued', '—', 'queued')}${card('429s', '—', 'r429')}${card('418s', '—', 'b418')}${card('Paused', '—', 'paused')}
</div>
<p class="muted">Budget window <span id="window-span"></span>: <strong id="window-verdict"></strong>. The sliding sum can pass the usable weight right after a window boundary; the budget enforces the usable weight in its own window.</p>
<div class="cards">
${card('OI poll interval', '—', 'poll-interval')}${card('OI polls / min', '—', 'polls-per-min')}${card('OI universe size', '—', 'universe-size')}${card('OI poller errors', '—', 'poller-errors')}${card('OI alerts / min', '—', 'alerts-per-min')}
</div>
<div class="chart"><strong>Weight used, by component</strong> <span id="chart-note" class="muted"></span><div id="budget-chart"></div></div>
<h2>By component (latest snapshot)</h2>
<table id="components"><thead><tr><th>component</th><th>weight, last 60 s</th><th>weight, this window</th><th>requests (60 s)</th><th>reserved / min</th><th>queued</th></tr></thead><tbody></tbody></table>
<h2>OI scheduler</h2>
<div class="cards">
${card('Scheduler', '—', 'sched-mode')}${card('Measured mean interval', '—', 'sched-mean')}${card('Max staleness', '—', 'sched-stale')}${card('Intervals (last 5 min)', '—', 'sched-dist')}${card('Polls by reason', '—', 'sched-reasons')}
</div>
<table id="oi-schedule" class="sortable"><thead><tr><th>symbol</th><th>last polled</th><th>why</th><th>interval before it</th><th>polls</th></tr></thead><tbody></tbody></table>
<h2>Heartbeats</h2>
<table id="heartbeats"><thead><tr><th>component</th><th>status</th><th>age</th><th>details</th></tr></thead><tbody></tbody></table>`;
  return page({ title: 'REST weight budget', path: '/debug/rate-limit', body, script: RATE_SCRIPT, uplot: true });
}
