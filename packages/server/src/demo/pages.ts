import { DEMO_PRODUCTS, formatDemoPrice } from '../agents/index.js';
import { escapeHtml } from '../html.js';
import { DEMO_USERS } from './demo-users.js';

const BASE_CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#faf8f5}
a{color:inherit}header.site{display:flex;align-items:center;gap:16px;padding:14px 28px;background:#fff;border-bottom:1px solid #ebe6df;position:sticky;top:0}
.brand{font-weight:700;font-size:20px;letter-spacing:-.01em}.brand span{color:#8a5a2b}nav{display:flex;gap:18px;flex:1;color:#555;font-size:15px}
.account{display:flex;align-items:center;gap:10px;font-size:14px;color:#555}
.btn{border:1px solid #1d1d1f;background:#1d1d1f;color:#fff;border-radius:999px;padding:8px 16px;font:inherit;font-size:14px;cursor:pointer}
.btn.secondary{background:#fff;color:#1d1d1f}main{max-width:1080px;margin:0 auto;padding:28px}
.hero{display:grid;grid-template-columns:1.3fr 1fr;gap:28px;align-items:start;margin-bottom:28px}
.hero h1{font-size:38px;line-height:1.1;margin:0 0 12px;letter-spacing:-.02em}.hero p{color:#555;margin:0 0 8px}
.howto{background:#fff;border:1px solid #ebe6df;border-radius:16px;padding:18px 20px;font-size:14px}
.howto h2{font-size:15px;margin:0 0 8px}.howto ol{margin:0;padding-left:20px}.howto li{margin:4px 0}.howto code{background:#f3efe9;padding:1px 5px;border-radius:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:18px}
.card{background:#fff;border:1px solid #ebe6df;border-radius:16px;overflow:hidden}.card .img{height:140px}
.card .body{padding:12px 14px;display:flex;justify-content:space-between;gap:8px;font-size:15px}.card .price{color:#8a5a2b;font-weight:600}
dialog{border:0;border-radius:16px;padding:22px;box-shadow:0 20px 60px rgba(0,0,0,.25);max-width:340px;width:calc(100% - 40px)}
dialog h2{margin:0 0 6px;font-size:18px}dialog p{margin:0 0 14px;color:#555;font-size:14px}
.users{display:flex;flex-direction:column;gap:8px;margin-bottom:12px}.users button{text-align:left;border:1px solid #ddd;background:#fff;border-radius:10px;padding:10px 12px;font:inherit;cursor:pointer}
.users button:hover{border-color:#8a5a2b}.users small{display:block;color:#777}
.provider{display:flex;flex-direction:column;gap:8px;margin-bottom:12px;padding-top:12px;border-top:1px solid #ebe6df}
.provider button{text-align:left;border:1px solid #1d1d1f;background:#1d1d1f;color:#fff;border-radius:10px;padding:10px 12px;font:inherit;cursor:pointer}
.provider small{display:block;color:#ccc}
footer{max-width:1080px;margin:0 auto;padding:8px 28px 120px;color:#777;font-size:13px}
@media (max-width:720px){.hero{grid-template-columns:1fr}nav{display:none}header.site{padding:12px 16px}main{padding:16px}.hero h1{font-size:28px}}`;

export interface ShopPageOptions {
  publishableKey: string;
  partnerUrl: string | null;
  identityEnabled: boolean;
  /** The demo mailbox, when mail is kept there (no SMTP): linked from the footer. */
  mailboxUrl?: string | null;
}

/** The demo "shop": its own pretend login, and the chat widget dropped in with one script tag. */
export function shopPage(options: ShopPageOptions): string {
  const users = Object.entries(DEMO_USERS)
    .map(
      ([key, user]) =>
        `<button type="button" data-user="${key}">${escapeHtml(user.name)}<small>user id ${escapeHtml(user.id)}</small></button>`,
    )
    .join('');
  // The agent's orders are of these products at these prices (one catalogue: agents/demo-catalog.ts).
  const products = DEMO_PRODUCTS.map(
    (p) =>
      `<article class="card"><div class="img" style="background:linear-gradient(135deg,hsl(${p.hue} 45% 78%),hsl(${p.hue + 30} 40% 60%))" role="img" aria-label="${escapeHtml(p.name)}"></div><div class="body"><span class="name">${escapeHtml(p.name)}</span><span class="price">${formatDemoPrice(p.priceCents)}</span></div></article>`,
  ).join('');
  const partner = options.partnerUrl
    ? `<li>Then open the <a href="${escapeHtml(options.partnerUrl)}">partner site</a> (another origin): the same chat, embedded with an init token.</li>`
    : '';
  const identityNote = options.identityEnabled
    ? ''
    : '<p><strong>Note:</strong> this tenant verifies identity tokens with its own key, so the demo login cannot sign the chat in.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>Lumen &amp; Oak: a Tessera demo shop</title><style>${BASE_CSS}</style></head>
<body>
<header class="site"><div class="brand">Lumen <span>&amp;</span> Oak</div>
<nav><a href="#">Living</a><a href="#">Kitchen</a><a href="#">Outdoors</a><a href="#">Sale</a></nav>
<div class="account"><span id="account-name">Not logged in</span><button class="btn" id="account-button" type="button">Log in</button></div></header>
<main>
<section class="hero"><div><h1>Good things for slow mornings.</h1>
<p>This is a demo shop with its own pretend login. The chat in the corner is Tessera's widget, added with one script tag.</p>${identityNote}</div>
<div class="howto"><h2>Try it</h2><ol>
<li>Open the chat and say hello: you are anonymous, no sign-up needed.</li>
<li>Ask <code>show my orders</code>: the agent asks you to log in.</li>
<li>Press <b>Sign in</b> in the chat (or <b>Log in</b> above) and pick a customer, or sign in with the demo provider.</li>
<li>Your conversation stays. Ask again, and <code>who am I</code>.</li>
<li>Reload, open a second tab, or log out: the chat follows.</li>${partner}
</ol></div></section>
<section class="grid" aria-label="Products">${products}</section>
</main>
<footer>Demo only: the shop's login is pretend, and its identity tokens are signed with a demo secret registered in the tenant's identity settings.${options.mailboxUrl ? ` Mail this demo sends (sign-in codes, links) lands in the <a href="${escapeHtml(options.mailboxUrl)}">demo mailbox</a>.` : ''}</footer>
<dialog id="login"><form method="dialog"><h2>Log in to Lumen &amp; Oak</h2><p>Pretend login: pick a customer.</p>
<div class="users">${users}</div>
<div class="provider" id="provider-login" hidden><button type="button" data-provider="demo">Sign in with the demo provider<small>a real OpenID Connect sign-in, in a popup: signs the chat in</small></button>
</div>
<button class="btn secondary" value="cancel">Cancel</button></form></dialog>
<script>
window.tesseraSettings = {
  onLoginRequested: function () { window.demoShop.openLogin(); },
  onLogout: function () { window.demoShop.logout({ chatToo: false }); }
};
</script>
<script src="/widget.js" data-tessera-key="${escapeHtml(options.publishableKey)}" data-title="Lumen &amp; Oak help" data-email-sign-in async></script>
<script>${SHOP_SCRIPT}</script>
</body></html>`;
}

/** The shop's own page logic: its login, and handing identity tokens to the widget. */
const SHOP_SCRIPT = `
(function () {
  var state = { user: null };
  var dialog = document.getElementById('login');
  var button = document.getElementById('account-button');
  var label = document.getElementById('account-name');
  function widget() {
    return new Promise(function (resolve) {
      if (window.Tessera && window.Tessera.widget) return resolve(window.Tessera.widget);
      document.addEventListener('tessera:ready', function (event) { resolve(event.detail); }, { once: true });
    });
  }
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.status === 204 ? null : r.json(); });
  }
  function render() {
    label.textContent = state.user ? 'Hi, ' + state.user.name : 'Not logged in';
    button.textContent = state.user ? 'Log out' : 'Log in';
  }
  // Every tab's header follows a login or logout in any other (and re-checks when shown again).
  var tabs = 'BroadcastChannel' in window ? new BroadcastChannel('demo-shop-account') : null;
  function announce() { if (tabs) tabs.postMessage({ user: state.user }); }
  if (tabs) tabs.onmessage = function (event) { state.user = event.data.user; render(); };
  function loadSession() {
    return fetch('/demo/session').then(function (r) { return r.json(); }).then(function (result) { state.user = result.user; render(); });
  }
  document.addEventListener('visibilitychange', function () { if (!document.hidden) loadSession().catch(function () {}); });
  function openLogin() { if (!dialog.open) dialog.showModal(); }
  function login(key) {
    return post('/demo/login', { user: key }).then(function (result) {
      state.user = result.user; render(); announce(); dialog.close();
      return widget().then(function (w) { return w.linkFromMainApp(result.identityToken); });
    });
  }
  function logout(options) {
    var chatToo = !options || options.chatToo !== false;
    return post('/demo/logout').then(function () {
      state.user = null; render(); announce();
      if (chatToo) return widget().then(function (w) { return w.logout(); });
    });
  }
  // Keep the chat signed in as whoever is logged in to the shop.
  function syncChat() {
    if (!state.user) return;
    widget().then(function (w) { return w.ready.then(function () { return w; }); }).then(function (w) {
      var current = w.getUser();
      if (current && current.userId === state.user.id) return;
      return (current ? w.logout() : Promise.resolve()).then(function () { return post('/demo/identity-token'); })
        .then(function (result) { return result && result.identityToken && w.linkFromMainApp(result.identityToken); });
    }).catch(function (error) { console.warn('chat sign-in failed', error); });
  }
  // The demo provider (registered by tessera start --demo): the widget's own sign-in flow, from the shop's dialog.
  var providerBox = document.getElementById('provider-login');
  widget().then(function (w) { return w.ready.then(function () { return w.client.signInProviders(); }); }).then(function (providers) {
    providerBox.hidden = !providers.some(function (p) { return p.id === 'demo'; });
  }).catch(function () { providerBox.hidden = true; });
  providerBox.querySelector('button').addEventListener('click', function (event) {
    event.preventDefault();
    var w = window.Tessera && window.Tessera.widget;
    if (!w) return;
    // Inside the click: the widget opens the provider's popup at once (if blocked, the page goes there and back).
    w.signInWith('demo').catch(function () { /* the chat says what happened */ });
    dialog.close();
    w.open();
  });
  button.addEventListener('click', function () { state.user ? logout() : openLogin(); });
  dialog.querySelectorAll('[data-user]').forEach(function (b) {
    b.addEventListener('click', function (event) { event.preventDefault(); login(b.getAttribute('data-user')).catch(function (e) { console.warn(e); }); });
  });
  window.demoShop = { openLogin: openLogin, logout: logout, login: login };
  loadSession().then(syncChat);
})();`;

export interface PartnerPageOptions {
  tesseraUrl: string;
  shopUrl: string;
}

/** A partner's site on another origin, embedding the chat with an init token from its own backend. */
export function partnerPage(options: PartnerPageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>Trailhead Journal: a Tessera partner demo</title>
<style>
body{margin:0;font:17px/1.6 Georgia,"Times New Roman",serif;color:#222;background:#f4f7f4}
header{background:#21463a;color:#fff;padding:22px 28px}header h1{margin:0;font-size:26px}header p{margin:4px 0 0;opacity:.8;font-size:15px}
main{max-width:720px;margin:0 auto;padding:28px}article{background:#fff;border-radius:12px;padding:24px 28px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.note{font:14px/1.5 system-ui,sans-serif;background:#e7f0ea;border-left:4px solid #21463a;padding:12px 16px;margin:20px 0;border-radius:6px}
code{font-size:13px}
</style></head>
<body>
<header><h1>Trailhead Journal</h1><p>A partner site on another origin</p></header>
<main><article><h2>Five quiet trails for the shoulder season</h2>
<p>When the summer crowds thin out, the high valleys belong to the patient. Pack a warm layer, start late, and let the light do the work.</p>
<div class="note">This page is a <b>partner site</b>: it is served from <span id="origin"></span>, not from Tessera.
The chat below starts its session with an <b>init token</b> that this site's backend mints (<code>POST /init-token</code>, signed with the partner's key).
Tessera accepts it only from this partner's registered origins, and the widget keeps its tokens in localStorage with a short idle lifetime.
Back to the <a href="${escapeHtml(options.shopUrl)}">demo shop</a>.</div>
<p>Ask the chat <i>who am I</i>: on a partner site you start anonymous. Ask it to <i>show my orders</i> and it offers the tenant's own ways to sign in, right in the conversation: the demo provider, or a code or link by email (the demo mailbox is on the shop's page).</p></article></main>
<script>document.getElementById('origin').textContent = location.origin;</script>
<script src="${escapeHtml(options.tesseraUrl)}/widget.js" data-init-token-url="/init-token" data-title="Trail help" data-accent-color="#21463a" data-email-sign-in async></script>
</body></html>`;
}
