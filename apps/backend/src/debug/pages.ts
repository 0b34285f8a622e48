// /debug, /debug/universe and /debug/open-interest: server-rendered from the database.
import type { PrismaClient } from '@volspike/db';
import { card, esc, fmtAge, fmtNum, fmtTime, inlineJson, page, td } from './html.js';
import type { UniverseTracker } from './universe-tracker.js';

const num = (v: { toString(): string } | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v.toString());

export async function renderIndex(prisma: PrismaClient, now: number): Promise<string> {
  const [universe, oiCount, freshest, oiAlerts1h, volume24h, heartbeats] = await Promise.all([
    prisma.openInterestLiquidSymbol.count(),
    prisma.openInterestLatest.count(),
    prisma.openInterestLatest.aggregate({ _max: { ts: true } }),
    prisma.openInterestAlert.count({ where: { ts: { gte: new Date(now - 3_600_000) } } }),
    prisma.volumeAlert.count({ where: { timestamp: { gte: new Date(now - 86_400_000) } } }),
    prisma.componentHeartbeat.findMany({ orderBy: { component: 'asc' } }),
  ]);
  const newest = freshest._max.ts;
  const hbRows = heartbeats
    .map((h) => {
      const age = now - h.lastSeenAt.getTime();
      return `<tr>${td(esc(h.component))}${td(esc(h.status))}${td(esc(fmtTime(h.lastSeenAt)))}${td(fmtAge(age), age, age > 60_000 ? 'stale' : undefined)}</tr>`;
    })
    .join('');
  const body = `
<div class="cards">
${card('Liquid universe', fmtNum(universe, 0))}
${card('Symbols with OI', fmtNum(oiCount, 0))}
${card('Newest OI sample age', newest ? fmtAge(now - newest.getTime()) : '—')}
${card('OI alerts (1 h)', fmtNum(oiAlerts1h, 0))}
${card('Volume alerts (24 h)', fmtNum(volume24h, 0))}
</div>
<h2>Component heartbeats</h2>
<table id="heartbeats" class="sortable"><thead><tr><th>component</th><th>status</th><th>last seen</th><th>age</th></tr></thead>
<tbody>${hbRows || '<tr><td colspan="4" class="muted">no heartbeat received yet</td></tr>'}</tbody></table>
<p class="muted">Pages: <a href="/debug/universe">universe</a> · <a href="/debug/open-interest">open interest</a> · <a href="/debug/alerts">alerts</a> · <a href="/debug/rate-limit">rate limit</a> · <a href="/openapi.json">openapi.json</a></p>`;
  return page({ title: 'Overview', path: '/debug', body });
}

export async function renderUniverse(
  prisma: PrismaClient,
  tracker: UniverseTracker,
  busUniverse: { enterThreshold: number; exitThreshold: number; updatedAt: string } | null,
  now: number,
): Promise<string> {
  const rows = await prisma.openInterestLiquidSymbol.findMany({ orderBy: { quoteVolume24h: 'desc' } });
  const thresholds = tracker.thresholds() ?? busUniverse;
  const enter = thresholds?.enterThreshold ?? null;
  const exit = thresholds?.exitThreshold ?? null;
  let enteredHour = 0;
  let enteredDay = 0;
  let inBand = 0;
  let belowExit = 0;
  const body = rows
    .map((r) => {
      const qv = num(r.quoteVolume24h) ?? 0;
      const sinceEnter = now - r.enteredAt.getTime();
      if (sinceEnter <= 3_600_000) enteredHour += 1;
      if (sinceEnter <= 86_400_000) enteredDay += 1;
      let status = 'liquid';
      if (exit !== null && qv < exit) {
        status = 'below exit: leaves next run';
        belowExit += 1;
      } else if (enter !== null && qv < enter) {
        status = 'in hysteresis band';
        inBand += 1;
      }
      const seenAge = now - r.lastSeenAt.getTime();
      return `<tr>${td(esc(r.symbol))}${td(fmtNum(qv, 0), qv)}${td(esc(fmtTime(r.enteredAt)), r.enteredAt.getTime())}${td(fmtAge(sinceEnter), sinceEnter)}${td(esc(fmtTime(r.lastSeenAt)), r.lastSeenAt.getTime())}${td(fmtAge(seenAge), seenAge)}${td(esc(status), status, status === 'liquid' ? undefined : 'down')}</tr>`;
    })
    .join('');
  const totals = tracker.totals();
  const changes = tracker
    .recentChanges()
    .map(
      (c) =>
        `<tr>${td(esc(fmtTime(c.at)))}${td(String(c.entered.length), c.entered.length, 'up')}${td(String(c.left.length), c.left.length, 'down')}${td(String(c.size), c.size)}<td class="msg">${c.entered.map((s) => `+${esc(s)}`).join(' ')} ${c.left.map((s) => `−${esc(s)}`).join(' ')}</td></tr>`,
    )
    .join('');
  const html = `
<div class="cards">
${card('Members', fmtNum(rows.length, 0), 'universe-size')}
${card('Entered (1 h)', fmtNum(enteredHour, 0), 'entered-1h')}
${card('Entered (24 h)', fmtNum(enteredDay, 0))}
${card('In hysteresis band', enter === null ? '—' : fmtNum(inBand, 0))}
${card('Leaving next run', exit === null ? '—' : fmtNum(belowExit, 0), 'leaving')}
${card('Entered / left since backend start', `${totals.entered} / ${totals.left}`, 'changes-total')}
${card('Enter / exit threshold (24 h quote vol)', enter === null || exit === null ? '—' : `${fmtNum(enter, 0)} / ${fmtNum(exit, 0)}`)}
</div>
<table id="universe" class="sortable"><thead><tr><th>symbol</th><th>24 h quote volume</th><th>entered</th><th>member for</th><th>last seen</th><th>seen ago</th><th>status</th></tr></thead>
<tbody>${body || '<tr><td colspan="7" class="muted">the universe is empty (has the universe job run?)</td></tr>'}</tbody></table>
<h2>Recent changes (seen on the bus by this backend)</h2>
<table id="universe-changes"><thead><tr><th>at</th><th>entered</th><th>left</th><th>size</th><th>symbols</th></tr></thead>
<tbody>${changes || '<tr><td colspan="5" class="muted">no change since this backend started</td></tr>'}</tbody></table>`;
  return page({ title: 'Liquid universe', path: '/debug/universe', body: html });
}

const OI_SCRIPT = `
function compact(u,vals){var out=[];for(var d=2;d<=6;d++){var f=Intl.NumberFormat('en-US',{notation:'compact',maximumFractionDigits:d});out=vals.map(function(v){return v==null?'':f.format(v)});if(new Set(out).size===out.length)break}return out}
var state=JSON.parse(document.getElementById('oi-data').textContent);var chart=null;
function selectSymbol(sym){state.symbol=sym;document.querySelectorAll('#open-interest tbody tr').forEach(function(r){r.classList.toggle('sel',r.dataset.symbol===sym)});
  document.getElementById('chart-title').textContent=sym+': open interest, last '+state.windowHours+' h';
  var since=new Date(Date.now()-state.windowHours*3600e3).toISOString();
  fetch('/api/market/open-interest/samples?symbol='+encodeURIComponent(sym)+'&since='+encodeURIComponent(since)+'&limit=10000',{credentials:'same-origin'})
  .then(function(r){if(!r.ok)throw new Error('samples HTTP '+r.status);return r.json()}).then(function(body){
    var xs=[],oi=[],usd=[];(body.samples||[]).forEach(function(s){xs.push(Date.parse(s.ts)/1000);oi.push(s.openInterest);usd.push(s.openInterestUsd)});
    var el=document.getElementById('oi-chart');document.getElementById('chart-note').textContent=xs.length+' samples';
    if(chart){chart.destroy();chart=null}
    chart=new uPlot({width:Math.max(300,el.clientWidth-16),height:300,scales:{x:{time:true},usd:{}},
      series:[{},{label:'open interest',stroke:'#2563eb',width:1.5},{label:'USD',stroke:'#16a34a',width:1,scale:'usd'}],
      axes:[{},{label:'contracts',size:70,values:compact},{side:1,scale:'usd',label:'USD',size:70,values:compact,grid:{show:false}}]},[xs,oi,usd],el);
  }).catch(function(e){document.getElementById('chart-note').textContent=String(e.message||e)});}
document.querySelectorAll('#open-interest tbody tr[data-symbol]').forEach(function(r){r.addEventListener('click',function(){selectSymbol(r.dataset.symbol)})});
if(state.symbol)selectSymbol(state.symbol);
`;

export async function renderOpenInterest(prisma: PrismaClient, now: number, selected: string | null): Promise<string> {
  const rows = await prisma.openInterestLatest.findMany();
  const items = rows
    .map((r) => ({
      symbol: r.symbol,
      oi: num(r.openInterest),
      usd: num(r.openInterestUsd),
      mark: num(r.markPrice),
      ts: r.ts,
      source: r.source,
      age: now - r.ts.getTime(),
    }))
    .sort((a, b) => (b.usd ?? -1) - (a.usd ?? -1) || a.symbol.localeCompare(b.symbol));
  const ages = items.map((i) => i.age).sort((a, b) => a - b);
  const median = ages.length ? ages[Math.floor(ages.length / 2)]! : null;
  const stale = items.filter((i) => i.age > 60_000).length;
  const body = items
    .map(
      (i) =>
        `<tr data-symbol="${esc(i.symbol)}">${td(esc(i.symbol))}${td(fmtNum(i.oi, 3), i.oi)}${td(fmtNum(i.usd, 0), i.usd)}${td(fmtNum(i.mark, 6), i.mark)}${td(esc(fmtTime(i.ts)), i.ts.getTime())}${td(fmtAge(i.age), i.age, i.age > 60_000 ? 'stale' : undefined)}${td(esc(i.source))}</tr>`,
    )
    .join('');
  const symbol = selected && items.some((i) => i.symbol === selected) ? selected : (items[0]?.symbol ?? null);
  const html = `
<div class="cards">
${card('Symbols', fmtNum(items.length, 0), 'oi-count')}
${card('Median age', fmtAge(median))}
${card('Older than 60 s', fmtNum(stale, 0))}
</div>
<div class="chart"><strong id="chart-title">${symbol ? '' : 'no symbol yet'}</strong> <span id="chart-note" class="muted"></span><div id="oi-chart"></div></div>
<p class="muted">Click a row to chart that symbol's recent samples (from <code>/api/market/open-interest/samples</code>).</p>
<table id="open-interest" class="sortable"><thead><tr><th>symbol</th><th>open interest</th><th>USD</th><th>mark price</th><th>sample time</th><th>age</th><th>source</th></tr></thead>
<tbody>${body || '<tr><td colspan="7" class="muted">no OI sample yet</td></tr>'}</tbody></table>
<script type="application/json" id="oi-data">${inlineJson({ symbol, windowHours: 3 })}</script>`;
  return page({ title: 'Open interest', path: '/debug/open-interest', body: html, script: OI_SCRIPT, uplot: true });
}
