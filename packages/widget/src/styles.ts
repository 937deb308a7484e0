/**
 * The widget's only stylesheet, inside its shadow root. `:host` resets every
 * inherited and page-set property with `!important` (which, for a shadow host,
 * beats the page's own `!important` rules), so host CSS cannot reach in; nothing
 * here can reach out.
 */
export function styles(): string {
  return `
:host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important;
contain:style!important;font-size:16px!important;color-scheme:light!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{--accent:var(--tessera-accent,#5b4cdb);--on-accent:var(--tessera-accent-text,#fff);--fg:var(--tessera-text,#1f2328);
--muted:var(--tessera-muted,#59636e);--bg:var(--tessera-background,#fff);--line:var(--tessera-border,#d1d9e0);
--soft:var(--tessera-surface,#f6f8fa);--radius:var(--tessera-radius,14px);
font:var(--tessera-font-size,14px)/1.45 var(--tessera-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);color:var(--fg);
letter-spacing:normal;text-align:left;text-transform:none;direction:ltr;-webkit-font-smoothing:antialiased}
button,input,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;
background:var(--accent);color:var(--on-accent);display:flex;align-items:center;justify-content:center;box-shadow:0 4px 16px rgba(0,0,0,.25);padding:0}
.left .launcher{right:auto;left:20px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#cf222e;color:#fff;
font-size:12px;font-weight:600;line-height:20px;text-align:center;padding:0 5px}
.panel{position:fixed;bottom:88px;right:20px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:560px;
max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--line);border-radius:var(--radius);
box-shadow:0 12px 40px rgba(0,0,0,.22);overflow:hidden}
.left .panel{right:auto;left:20px}
header{display:flex;align-items:center;gap:8px;padding:12px 12px 10px 16px;background:var(--accent);color:var(--on-accent)}
.heading{flex:1;min-width:0}
h2{margin:0;font-size:16px;font-weight:600;line-height:1.3;color:inherit}
.status{display:flex;align-items:center;gap:6px;font-size:12px;opacity:.92;color:inherit}
.dot{width:8px;height:8px;border-radius:50%;background:#f0b72f;flex:none}
.status[data-state=connected] .dot{background:#4ac26b}
.status[data-state=closed] .dot,.status[data-state=disconnected] .dot{background:#c4c4c4}
.who{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header button{border:1px solid currentColor;background:transparent;color:inherit;border-radius:8px;padding:4px 10px;font-size:13px;flex:none}
header button:hover{background:rgba(255,255,255,.15)}
header .close{border:0;width:32px;height:32px;padding:4px;display:flex;align-items:center;justify-content:center}
header .close svg{width:20px;height:20px;fill:currentColor}
.notice{margin:8px 12px 0;padding:8px 10px;border-radius:8px;background:#fff8c5;border:1px solid #d4a72c;color:#3b2300;font-size:13px;
display:flex;gap:8px;align-items:flex-start}
.notice[data-kind=error]{background:#ffebe9;border-color:#ff8182;color:#5c0a0a}
.notice[data-kind=info]{background:#ddf4ff;border-color:#54aeff;color:#0a3069}
.notice p{margin:0;flex:1}
.notice button{border:0;background:transparent;padding:0 2px;font-size:16px;line-height:1;color:inherit}
.card{margin:8px 12px 0;padding:12px;border:1px solid var(--line);border-radius:10px;background:var(--soft);flex:none;max-height:60%;overflow-y:auto}
.card h3{margin:0 0 8px;font-size:14px;font-weight:600;color:var(--fg)}
.card ul{list-style:none;margin:0 0 8px;padding:0;display:flex;flex-direction:column;gap:6px}
.card li{margin:0;padding:0}
.choice{width:100%;text-align:left;border:1px solid var(--line);background:var(--bg);border-radius:8px;padding:8px 10px;display:block}
.choice:hover{border-color:var(--accent)}
.choice small{display:block;color:var(--muted);font-size:12px}
.link{border:0;background:transparent;color:var(--accent);padding:4px 0;text-decoration:underline}
form.login{display:flex;flex-direction:column;gap:8px}
label{display:flex;flex-direction:column;gap:2px;font-size:12px;color:var(--muted)}
input{border:1px solid var(--line);border-radius:8px;padding:8px 10px;background:var(--bg);font-size:14px;color:var(--fg);width:100%}
.row{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.primary{border:0;background:var(--accent);color:var(--on-accent);border-radius:8px;padding:8px 14px;font-weight:600}
.primary:disabled{opacity:.6;cursor:default}
.error{color:#cf222e;font-size:13px;margin:0}
.providers{display:flex;flex-direction:column;gap:6px;align-self:stretch;margin-bottom:8px}
.provider{width:100%;border:1px solid var(--fg);background:var(--bg);color:var(--fg);border-radius:8px;padding:8px 12px;font-weight:600}
.provider:hover{border-color:var(--accent);color:var(--accent)}
.provider:disabled{opacity:.6;cursor:default}
.flow-progress{color:var(--muted);font-size:12px;margin:0}
.flow-progress:empty,.providers .error:empty{display:none}
.or{color:var(--muted);font-size:12px;margin:0 0 8px;text-align:center}
.magic-link-waiting h4{margin:0 0 4px;font-size:14px}.magic-link-waiting p{margin:0 0 6px}
.match-code{font-size:20px;letter-spacing:3px;color:var(--accent)}
.log{flex:1;min-height:0;overflow-y:auto;margin:0;padding:12px;list-style:none;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}
.msg{max-width:85%;padding:8px 12px;border-radius:var(--radius);white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;margin:0}
.msg.user{align-self:flex-end;background:var(--accent);color:var(--on-accent);border-bottom-right-radius:4px}
.msg.assistant{align-self:flex-start;background:var(--soft);color:var(--fg);border:1px solid var(--line);border-bottom-left-radius:4px}
.msg.user[data-pending]{opacity:.7}
.msg.user[data-failed]{background:#ffebe9;color:#5c0a0a;border:1px solid #ff8182}
.msg .meta{display:block;font-size:11px;margin-top:4px;opacity:.85}
.msg .at{display:block;font-size:11px;margin-top:2px;opacity:.7;text-align:right}
.md{display:block;white-space:normal}.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md p,.md ul,.md ol,.md pre,.md blockquote,.md table{margin:0 0 6px}.md ul,.md ol{padding-left:20px}
.md code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:rgba(127,127,127,.15);padding:1px 4px;border-radius:4px}
.md pre{overflow-x:auto;white-space:pre}.md pre code{display:block;padding:6px 8px}.md a{color:var(--accent)}
.md blockquote{border-left:3px solid var(--line);padding-left:8px;color:var(--muted)}.md>div{overflow-x:auto}
.md table{border-collapse:collapse}.md th,.md td{border:1px solid var(--line);padding:2px 6px}
.msg[data-streaming]::after{content:"▍";opacity:.5}
.msg .meta button{border:0;background:transparent;color:inherit;text-decoration:underline;padding:0;font-size:11px}
.system{align-self:center;color:var(--muted);font-size:12px;text-align:center;margin:0;max-width:90%}
.system.failed{color:#cf222e}
.signin-card{align-self:stretch;display:flex;flex-direction:column;align-items:flex-start;gap:8px;margin:0;padding:12px;
border:1px solid var(--line);border-radius:10px;background:var(--soft)}
.signin-card .reason{margin:0;font-weight:600}
.signin-card h3{margin:0;font-size:14px}
.signin-card form,.signin-card>div{align-self:stretch}
.typing{display:flex;align-items:center;gap:8px;padding:0 16px 6px;color:var(--muted);font-size:12px;min-height:20px}
.dots{display:inline-flex;gap:3px}
.dots i{width:6px;height:6px;border-radius:50%;background:var(--muted);animation:blink 1.2s infinite ease-in-out}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.dots i{animation:none}}
form.composer{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid var(--line);background:var(--bg)}
textarea{flex:1;resize:none;border:1px solid var(--line);border-radius:10px;padding:8px 10px;min-height:38px;max-height:120px;
font-size:15px;line-height:1.4;background:var(--bg);color:var(--fg);overflow-y:auto}
.send,.stop{width:40px;height:40px;border-radius:50%;border:0;background:var(--accent);color:var(--on-accent);display:flex;align-items:center;
justify-content:center;padding:0;flex:none}
.stop{background:var(--bg);color:var(--accent);border:2px solid var(--accent)}
.send:disabled{opacity:.45;cursor:default}
.send svg,.stop svg{width:20px;height:20px;fill:currentColor}
@media (max-width:480px),(max-height:560px){
.panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0;border:0}
.root.open .launcher{display:none}
textarea{font-size:16px}
}`;
}
