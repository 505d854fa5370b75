// The live frame log: a bounded buffer of frames, filtered by station and action in the page,
// shown in a virtualised list; a click shows the frame's JSON pretty-printed.
import { VirtualList, cells } from './vlist.js';

const MAX_FRAMES = 50_000;
const TRIM = 5_000;
const TYPES = { 2: 'CALL', 3: 'RESULT', 4: 'ERROR' };

export class FrameLog {
  constructor() {
    this.all = [];
    this.shown = [];
    this.paused = false;
    this.filter = { station: '', action: '', evseOnly: true };
    this.detail = document.getElementById('frame-detail');
    this.count = document.getElementById('frame-count');
    this.list = new VirtualList(document.getElementById('frames'), {
      stickToEnd: true,
      render: (row, f) => cells(row, 'frow',
        [(f.t / 1000).toFixed(3), f.station, f.dir === 'out' ? 'out' : 'in', TYPES[f.type] ?? '?', f.action ?? ''],
        ['', '', `dir-${f.dir}`, f.type === 4 ? 'bad' : '', '']),
      onClick: (f) => this.show(f),
    });
    const bind = (id, key, ev = 'input', get = (el) => el.value.trim()) => {
      const el = document.getElementById(id);
      el.addEventListener(ev, () => { this.filter[key] = get(el); this.apply(); });
    };
    bind('frame-station', 'station');
    bind('frame-action', 'action');
    bind('frame-evse-only', 'evseOnly', 'change', (el) => el.checked);
    const pause = document.getElementById('frame-pause');
    pause.addEventListener('click', () => {
      this.paused = !this.paused;
      pause.textContent = this.paused ? 'Resume' : 'Pause';
      this.show_();
    });
  }

  match(f) {
    const { station, action, evseOnly } = this.filter;
    if (evseOnly && f.endpoint !== 'evse') return false;
    if (station && !glob(station, f.station)) return false;
    if (action && !(f.action ?? '').toLowerCase().includes(action.toLowerCase())) return false;
    return true;
  }

  /** Frames of one batch: the shown list grows by the new frames that pass the filter (no re-filtering). */
  add(frames) {
    for (const f of frames) {
      this.all.push(f);
      if (this.match(f)) this.shown.push(f);
    }
    // trim the oldest in chunks, so that trimming costs O(1) per frame
    if (this.all.length > MAX_FRAMES + TRIM) {
      this.all.splice(0, this.all.length - MAX_FRAMES);
      const oldest = this.all[0].seq;
      let k = 0;
      while (k < this.shown.length && this.shown[k].seq < oldest) k++;
      if (k) this.shown.splice(0, k);
    }
    if (!this.paused) this.show_();
  }

  /** Filter changed: filter everything kept once. */
  apply() {
    this.shown = this.all.filter((f) => this.match(f));
    this.show_();
  }

  show_() {
    this.list.setItems(this.paused ? this.shown.slice() : this.shown); // paused: a snapshot that does not grow
    this.count.textContent = `${this.shown.length} of ${this.all.length}`;
  }

  show(f) {
    let body;
    try {
      body = JSON.stringify(JSON.parse(f.raw), null, 2);
    } catch {
      body = f.raw;
    }
    this.detail.textContent = `${f.station} (${f.endpoint} side, ${f.dir}) t=${f.t} ms  ${f.action ?? ''}\n\n${body}`;
  }
}

function glob(pattern, text) {
  if (!pattern.includes('*')) return text.toLowerCase().includes(pattern.toLowerCase());
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(text);
}
