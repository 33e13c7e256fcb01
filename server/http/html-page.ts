// A small, self-contained HTML page for answers a person reads in a browser (install result, sign-in
// errors). No script, so it fits the CSP; values are escaped.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function htmlPage(title: string, paragraphs: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7f9;margin:0;padding:48px 24px}
main{max-width:560px;margin:0 auto;background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:28px 32px}
h1{font-size:20px;margin:0 0 12px}p{margin:8px 0}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</main></body></html>`;
}
