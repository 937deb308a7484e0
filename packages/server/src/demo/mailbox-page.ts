import type { MailboxEntry } from '../mail/mailbox.js';
import { escapeHtml } from '../html.js';

/** http(s) URLs in a mail's text; a trailing full stop, comma or bracket is the sentence's, not the link's. */
const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

/**
 * The demo mailbox (`/demo/mailbox`): the mails this demo server "sent", newest first, each
 * with its plain text, http(s) links clickable. Everything else is escaped; the page runs no script.
 */
export function mailboxPage(entries: readonly MailboxEntry[]): string {
  const mails = entries.length
    ? entries.map(mailItem).join('\n')
    : '<p class="empty">No mail yet. Ask for a sign-in code in the chat, then reload this page.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Demo mailbox: Tessera</title>
<style>
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#faf8f5}
main{max-width:760px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}.lead{color:#666;margin:0 0 20px;font-size:14px}
article{background:#fff;border:1px solid #ebe6df;border-radius:12px;padding:14px 18px;margin:0 0 14px}
.meta{display:flex;flex-wrap:wrap;gap:4px 16px;color:#666;font-size:13px}.subject{font-weight:600;font-size:16px;margin:2px 0 8px}
pre{white-space:pre-wrap;word-break:break-word;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;margin:0;background:#f7f5f2;border-radius:8px;padding:10px 12px}
.empty{color:#666}a{color:#8a5a2b}
</style></head>
<body><main>
<h1>Demo mailbox</h1>
<p class="lead">This demo server has no SMTP (<code>TESSERA_SMTP_URL</code>), so it keeps the mail it sends here, newest first (${entries.length} kept). <a href="/demo/mailbox">Reload</a> · <a href="/demo/mailbox.json">JSON</a> · <a href="/">Back to the shop</a></p>
${mails}
</main></body></html>`;
}

function mailItem(entry: MailboxEntry): string {
  const at = new Date(entry.at).toISOString();
  return `<article>
<div class="meta"><span>To: ${escapeHtml(entry.to)}</span><time datetime="${escapeHtml(at)}">${escapeHtml(at.replace('T', ' ').slice(0, 19))} UTC</time><span>${escapeHtml(entry.kind)}</span></div>
<div class="subject">${escapeHtml(entry.subject)}</div>
<pre>${linkify(entry.text)}</pre>
</article>`;
}

/** Escapes the text and makes its http(s) URLs links (nothing else becomes one). */
export function linkify(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    html += escapeHtml(text.slice(last, match.index));
    html += `<a href="${escapeHtml(url)}" target="_blank" rel="noreferrer noopener">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return html + escapeHtml(text.slice(last));
}
