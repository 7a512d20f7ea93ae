// The HTML the service serves itself (the documentation page, the problem type pages): one
// template, so every page has the same head and nothing in it loads from elsewhere.

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * A page: UTF-8, sized for any screen, an empty icon (so the browser does not ask for
 * /favicon.ico), one inline style and `body` (already HTML).
 */
export function htmlPage(options: { title: string; style: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(options.title)}</title>
  <link rel="icon" href="data:,">
  <style>${options.style}</style>
</head>
<body>
  ${options.body}
</body>
</html>
`;
}
