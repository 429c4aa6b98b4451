import type { Invoice } from './state';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #e7ebf0; color: #000; }
  header { padding: 12px 16px; background: #517da2; color: #fff; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header form { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
  header input, header select { padding: 4px 6px; border-radius: 4px; border: 0; }
  header button, .phone button { cursor: pointer; }
  main { display: flex; flex-wrap: wrap; gap: 16px; padding: 16px; }
  .phone { width: 320px; height: 600px; border: 10px solid #222; border-radius: 28px; background: #cfd9e3; display: flex; flex-direction: column; overflow: hidden; }
  .phone .top { background: #fff; padding: 8px 12px; font-weight: 600; display: flex; justify-content: space-between; align-items: center; }
  .phone .top small { font-weight: 400; color: #888; }
  .msgs { flex: 1; overflow-y: auto; padding: 8px; display: flex; flex-direction: column; gap: 6px; }
  .msg { max-width: 85%; padding: 6px 10px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
  .msg.bot { background: #fff; align-self: flex-start; }
  .msg.user { background: #effdde; align-self: flex-end; }
  .msg.service { align-self: center; background: rgba(0,0,0,.25); color: #fff; font-size: 12px; }
  .msg .edited { color: #999; font-size: 11px; }
  .kb { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; }
  .kb .row { display: flex; gap: 4px; }
  .kb a, .kb button { flex: 1; text-align: center; padding: 6px; border-radius: 6px; background: #e4eef7; color: #2a6aa5; text-decoration: none; border: 0; font: inherit; }
  .bottom { background: #fff; display: flex; gap: 6px; padding: 6px; align-items: center; }
  .bottom a.menu { background: #3390ec; color: #fff; padding: 6px 10px; border-radius: 14px; text-decoration: none; white-space: nowrap; }
  .bottom input { flex: 1; border: 0; padding: 6px; }
  .blocked { color: #c00; font-size: 12px; }
  .empty { padding: 24px; color: #555; }
`;

/**
 * The chat page: each simulated user's chat with the bot as a phone shows it, refreshed live over
 * SSE. Buttons work: a web_app button (and the menu button) opens its Mini App URL through /open,
 * which adds launch data signed for that user, as Telegram does.
 */
export function chatPage(botUsername: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Telegram simulator · @${esc(botUsername)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<header>
  <h1>Telegram simulator · @${esc(botUsername)}</h1>
  <form id="start">
    <label>user id <input name="id" type="number" min="1" value="100001" style="width:90px" required></label>
    <label>name <input name="first_name" value="Anna" style="width:80px" required></label>
    <label>language <select name="language_code"><option>ru</option><option>en</option></select></label>
    <label>/start payload <input name="payload" placeholder="city-2, order-12" pattern="[A-Za-z0-9_-]{0,64}" style="width:110px"></label>
    <button>Send /start</button>
    <button type="button" id="direct" title="t.me/${esc(botUsername)}/app?startapp=payload">Open t.me/…?startapp=payload</button>
  </form>
</header>
<main id="chats"><div class="empty">No chats yet: send /start as a user above.</div></main>
<script>
const $ = (s) => document.querySelector(s);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
let appUrl = '';
const openUrl = (user, url, startapp) => '/open?user=' + user + '&url=' + encodeURIComponent(url) + (startapp ? '&startapp=' + encodeURIComponent(startapp) : '');
async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) alert((await r.json()).message || r.statusText);
  return r;
}
function form() {
  const f = new FormData($('#start'));
  return { user: { id: Number(f.get('id')), first_name: String(f.get('first_name')), language_code: String(f.get('language_code')) }, payload: String(f.get('payload') || '') };
}
$('#start').addEventListener('submit', (e) => {
  e.preventDefault();
  const { user, payload } = form();
  post('/control/updates', { kind: 'start', user, ...(payload && { payload }) });
});
$('#direct').addEventListener('click', () => {
  const { user, payload } = form();
  if (!appUrl) return alert('The bot has not set a Mini App menu button yet: send /start first.');
  window.open(openUrl(user.id, appUrl, payload), '_blank');
});
function keyboard(chat, m) {
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  if (!rows.length) return '';
  return '<div class="kb">' + rows.map((row) => '<div class="row">' + row.map((b) => {
    if (b.web_app) return '<a target="_blank" href="' + esc(openUrl(chat.id, b.web_app.url)) + '">' + esc(b.text) + '</a>';
    if (b.url) return '<a target="_blank" href="' + esc(b.url) + '">' + esc(b.text) + '</a>';
    return '<button data-chat="' + chat.id + '" data-msg="' + m.message_id + '" data-cb="' + esc(b.callback_data || '') + '">' + esc(b.text) + '</button>';
  }).join('') + '</div>').join('') + '</div>';
}
function render(chats) {
  if (!chats.length) return;
  $('#chats').innerHTML = chats.map((c) => {
    const menu = c.menuButton && c.menuButton.type === 'web_app' ? c.menuButton : null;
    if (menu) appUrl = menu.web_app.url;
    const msgs = c.messages.map((m) => m.payment
      ? '<div class="msg service">Paid ' + (m.payment.total_amount / 100).toFixed(2) + ' ' + esc(m.payment.currency) + '</div>'
      : '<div class="msg ' + m.by + '">' + esc(m.text) + (m.edited ? ' <span class="edited">edited</span>' : '') + keyboard(c, m) + '</div>').join('');
    return '<section class="phone" data-chat="' + c.id + '"><div class="top"><span>@${esc(botUsername)} <small>' + esc(c.user.first_name) + ' · ' + c.id + '</small></span>'
      + (c.blocked ? '<span class="blocked">blocked</span>' : '<button data-block="' + c.id + '" title="The user blocks the bot">Block</button>') + '</div>'
      + '<div class="msgs">' + msgs + '</div>'
      + '<div class="bottom">' + (menu ? '<a class="menu" target="_blank" href="' + esc(openUrl(c.id, menu.web_app.url)) + '">' + esc(menu.text) + '</a>' : '')
      + '<input placeholder="Message" data-say="' + c.id + '"></div></section>';
  }).join('');
  for (const el of document.querySelectorAll('.msgs')) el.scrollTop = el.scrollHeight;
}
const chatsById = new Map();
async function refresh() {
  const { chats } = await (await fetch('/control/chats')).json();
  for (const c of chats) chatsById.set(c.id, c);
  render(chats);
}
document.addEventListener('click', (e) => {
  const t = e.target;
  if (t.dataset.cb) post('/control/updates', { kind: 'callback', user: chatsById.get(Number(t.dataset.chat)).user, message_id: Number(t.dataset.msg), data: t.dataset.cb });
  if (t.dataset.block) post('/control/updates', { kind: 'block', user: chatsById.get(Number(t.dataset.block)).user });
});
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key !== 'Enter' || !t.dataset.say || !t.value.trim()) return;
  post('/control/updates', { kind: 'message', user: chatsById.get(Number(t.dataset.say)).user, text: t.value.trim() });
  t.value = '';
});
let timer = 0;
new EventSource('/control/events').onmessage = () => { clearTimeout(timer); timer = setTimeout(refresh, 50); };
refresh();
</script>
</body></html>`;
}

/**
 * An invoice link opened in a browser: the simulated payment form. Pay runs what Telegram does
 * (the bot's pre-checkout answer, then the charge) and shows the outcome; the payer is the user
 * named in the link (`?user=`) or typed here.
 */
export function invoicePage(invoice: Invoice, user?: { id: number; first_name: string; language_code?: string }): string {
  const total = invoice.prices.reduce((s, p) => s + p.amount, 0);
  const money = (minor: number) => `${(minor / 100).toFixed(2)} ${esc(invoice.currency)}`;
  const lines = invoice.prices.map((p) => `<tr><td>${esc(p.label)}</td><td>${money(p.amount)}</td></tr>`).join('');
  const state = invoice.paid ? `<p class="result ok" data-testid="pay-result">Paid</p>` : '<p class="result" data-testid="pay-result"></p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(invoice.title)} · payment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE} table { border-collapse: collapse; width: 100%; } td, th { padding: 4px 0; text-align: left; } td:last-child, th:last-child { text-align: right; }
.pay { display: flex; flex-direction: column; gap: 8px; padding: 12px; background: #fff; }
.pay button { background: #3390ec; color: #fff; border: 0; border-radius: 8px; padding: 10px; font: inherit; font-weight: 600; }
.pay button:disabled { opacity: .6; }
.result.ok { color: #1a7f37; font-weight: 600; } .result.err { color: #c00; }
.card { background: #fff; border-radius: 10px; padding: 10px; }</style></head>
<body><main><section class="phone" style="height:auto;min-height:480px"><div class="top">Payment <small>simulated · test card</small></div>
<div class="msgs"><div class="card"><h3 style="margin:0 0 4px">${esc(invoice.title)}</h3><p style="margin:0 0 8px">${esc(invoice.description)}</p>
<table>${lines}<tr><th>Total</th><th data-testid="pay-total">${money(total)}</th></tr></table></div>
<div class="card">Card <b>4242 4242 4242 4242</b> · 12/34 · test provider</div></div>
<form class="pay" id="pay">
  <label>Telegram user id <input name="user" type="number" min="1" required value="${user ? user.id : ''}" data-testid="pay-user"></label>
  <button data-testid="pay-button"${invoice.paid ? ' disabled' : ''}>Pay ${money(total)}</button>
  ${state}
</form></section></main>
<script>
const form = document.getElementById('pay');
const out = form.querySelector('.result');
const known = ${JSON.stringify(user ?? null).replace(/</g, '\\u003c')};
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = Number(new FormData(form).get('user'));
  const btn = form.querySelector('button');
  btn.disabled = true;
  out.className = 'result';
  out.textContent = 'Paying…';
  try {
    const user = known && known.id === id ? known : { id, first_name: 'Demo' };
    const r = await fetch(location.pathname + '/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    const body = await r.json();
    if (body.status === 'paid') { out.className = 'result ok'; out.textContent = 'Paid'; return; }
    out.className = 'result err';
    out.textContent = 'Payment failed: ' + (body.error || body.message || r.statusText);
  } catch (err) {
    out.className = 'result err';
    out.textContent = 'Payment failed: ' + err;
  }
  btn.disabled = false;
});
</script></body></html>`;
}
