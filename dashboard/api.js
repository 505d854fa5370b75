// Calls to the control API. The page's token (if the server needs one) travels as the cookie the
// server set when the page was opened with ?token=.
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error(data?.error ?? `HTTP ${res.status}`);
    err.body = data;
    throw err;
  }
  return data;
}

/** Open the live event stream; `onBatch(events)` gets each batch, `onState(up)` the link state. Reconnects. */
export function connectEvents({ onBatch, onState, onMessage, stats }) {
  let ws;
  let retry = 500;
  const open = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${proto}://${location.host}/api/events`);
    ws.onopen = () => { retry = 500; onState(true); };
    ws.onclose = () => {
      onState(false);
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 10_000);
    };
    ws.onmessage = (m) => {
      const t0 = performance.now();
      const msg = JSON.parse(m.data);
      const ms = performance.now() - t0;
      stats.parseMsTotal += ms;
      stats.parseMsMax = Math.max(stats.parseMsMax, ms);
      if (msg.type === 'events') onBatch(msg.events);
      else onMessage?.(msg);
    };
  };
  open();
  return { send: (msg) => ws?.readyState === 1 && ws.send(JSON.stringify(msg)) };
}

export const fmtKw = (w) => (w === undefined || w === null ? '' : (w / 1000).toFixed(1));
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
