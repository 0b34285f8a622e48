/** Renders the OpenAPI document as one self-contained HTML page (no CDN, no script). */

type Json = Record<string, unknown>;

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function schemaBlock(schema: unknown, components: Json): string {
  const ref = (schema as Json | undefined)?.$ref;
  const resolved = typeof ref === 'string' ? (components[ref.replace('#/components/schemas/', '')] ?? schema) : schema;
  const title =
    typeof ref === 'string' ? `<div class="ref">${esc(ref.replace('#/components/schemas/', ''))}</div>` : '';
  return `${title}<pre>${esc(JSON.stringify(resolved, null, 2))}</pre>`;
}

export function renderDocsPage(doc: Json): string {
  const info = doc.info as { title: string; version: string; description?: string };
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const components = ((doc.components as Json | undefined)?.schemas ?? {}) as Json;
  const sections: string[] = [];
  const toc: string[] = [];
  let n = 0;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      n += 1;
      const id = `op${n}`;
      toc.push(`<li><a href="#${id}"><span class="m ${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`);
      const params = (op.parameters as Json[] | undefined) ?? [];
      const paramRows = params
        .map(
          (p) =>
            `<tr><td><code>${esc(String(p.name))}</code></td><td>${esc(String(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(JSON.stringify(p.schema))}</code>${p.description ? `<br>${esc(String(p.description))}` : ''}</td></tr>`,
        )
        .join('');
      const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as
        Json | undefined;
      const responses = Object.entries((op.responses as Record<string, Json>) ?? {})
        .map(([status, r]) => {
          const content = r.content as Record<string, Json> | undefined;
          const first = content ? Object.values(content)[0] : undefined;
          return `<details><summary><b>${esc(status)}</b> ${esc(String(r.description ?? ''))}</summary>${first?.schema ? schemaBlock(first.schema, components) : ''}</details>`;
        })
        .join('');
      const security = op.security ? `<p class="auth">auth: ${esc(JSON.stringify(op.security))}</p>` : '';
      sections.push(`<section id="${id}"><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h2>
<p>${esc(String(op.summary ?? ''))}</p>${op.description ? `<p>${esc(String(op.description))}</p>` : ''}${security}
${params.length ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${paramRows}</table>` : ''}
${body ? `<h3>Request body</h3>${schemaBlock(body.schema, components)}` : ''}
<h3>Responses</h3>${responses}</section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)} — API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;display:flex}nav{width:330px;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f4f6;padding:12px;box-sizing:border-box}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:3px 0}nav a{text-decoration:none;color:#222}main{flex:1;padding:16px 28px;max-width:1000px}
section{border-top:1px solid #ddd;padding:8px 0}.m{display:inline-block;min-width:52px;text-align:center;border-radius:3px;color:#fff;font-size:11px;font-weight:700;padding:1px 4px}
.get{background:#2b7bb9}.post{background:#2f9e44}.put{background:#d97706}.delete{background:#c92a2a}pre{background:#1e1e1e;color:#ddd;padding:8px;overflow:auto;max-height:420px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}.ref{font-weight:600;margin-top:4px}.auth{color:#555}
</style></head><body><nav><b>${esc(info.title)}</b> ${esc(info.version)}<p><a href="/openapi.json">openapi.json</a></p><ul>${toc.join('')}</ul></nav>
<main><h1>${esc(info.title)}</h1><p>${esc(info.description ?? '')}</p>${sections.join('\n')}</main></body></html>`;
}
