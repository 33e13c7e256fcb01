// A small, self-contained HTML page for answers a person reads in a browser (install result, sign-in
// errors). No inline script, so it fits the CSP: a page that must act (the panel sign-in's answer)
// names a script of our own origin and hands it its values as data-* attributes; values are escaped.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface PageScript {
  /** A same-origin script URL (script-src 'self'). */
  src: string;
  /** Read by the script from document.currentScript.dataset. */
  data: Record<string, string>;
}

export function htmlPage(title: string, paragraphs: string[], script?: PageScript): string {
  const tag = script
    ? `<script src="${escapeHtml(script.src)}"${Object.entries(script.data)
        .map(([k, v]) => ` data-${k.replace(/[^a-z0-9-]/g, '')}="${escapeHtml(v)}"`)
        .join('')}></script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7f9;margin:0;padding:48px 24px}
main{max-width:560px;margin:0 auto;background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:28px 32px}
h1{font-size:20px;margin:0 0 12px}p{margin:8px 0}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</main>${tag}</body></html>`;
}
