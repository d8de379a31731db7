import type { Context } from "hono";
import { documentPolicy, inlineScriptHashes } from "../http/security-headers";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Marketplace Bulk Editor API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1f3a5f;color:#fff;padding:16px 24px}main{max-width:1000px;margin:0 auto;padding:16px 24px}
.op{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:10px 0;padding:10px 14px}
.m{display:inline-block;min-width:60px;font-weight:700;text-transform:uppercase;font-size:12px}
.get{color:#1a7f37}.post{color:#0550ae}.patch{color:#9a6700}.delete{color:#cf222e}
code{background:#eef1f5;padding:1px 4px;border-radius:4px}details pre{background:#0d1117;color:#e6edf3;padding:10px;overflow:auto;border-radius:6px;font-size:12px}
h2{margin-top:28px;border-bottom:1px solid #dde1e7}
</style></head><body><header><h1 style="margin:0;font-size:20px">Marketplace Bulk Editor API</h1>
<div>OpenAPI 3.1 document: <a style="color:#9cd1ff" href="/v1/openapi.json">/v1/openapi.json</a></div></header>
<main id="root">Loading…</main>
<script>
fetch('/v1/openapi.json').then(r=>r.json()).then(doc=>{
  const root=document.getElementById('root');root.textContent='';
  const p=document.createElement('p');p.textContent=doc.info.description;root.appendChild(p);
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths)) for(const [m,op] of Object.entries(ops)){
    const t=(op.tags&&op.tags[0])||'Other';(byTag[t]=byTag[t]||[]).push({path,m,op});}
  for(const [tag,ops] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const {path,m,op} of ops){
      const d=document.createElement('div');d.className='op';
      const head=document.createElement('div');
      const ms=document.createElement('span');ms.className='m '+m;ms.textContent=m;head.appendChild(ms);
      const c=document.createElement('code');c.textContent=path;head.appendChild(c);
      const id=document.createElement('span');id.style.color='#667';id.textContent='  '+(op.operationId||'');head.appendChild(id);
      d.appendChild(head);
      if(op.description){const x=document.createElement('div');x.textContent=op.description;d.appendChild(x);}
      const det=document.createElement('details');const s=document.createElement('summary');s.textContent='Request and responses';det.appendChild(s);
      const pre=document.createElement('pre');pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);det.appendChild(pre);d.appendChild(det);
      root.appendChild(d);
    }
  }
});
</script></body></html>`;

/** The page's policy: its own inline script by hash, nothing else inline. */
const POLICY = documentPolicy(inlineScriptHashes(PAGE));

/**
 * A self-contained API reference rendered in the browser from /v1/openapi.json, so the docs work
 * on machines without internet access.
 */
export function docsPage(c: Context) {
  return c.html(PAGE, 200, { "Content-Security-Policy": POLICY });
}
