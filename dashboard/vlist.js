// A virtualised list: only the rows in view exist in the DOM (a fixed row height), re-used as
// the list scrolls; `refresh()` may be called as often as wanted, it renders once per frame.
export class VirtualList {
  constructor(container, { rowHeight = 20, render, onClick, stickToEnd = false }) {
    this.el = container;
    this.rowHeight = rowHeight;
    this.render = render; // (rowEl, item, index) => void
    this.onClick = onClick;
    this.stickToEnd = stickToEnd;
    this.items = [];
    this.selected = -1;
    this.spacer = document.createElement('div');
    this.spacer.style.height = '0px';
    this.el.appendChild(this.spacer);
    this.pool = [];
    this.pending = false;
    this.el.addEventListener('scroll', () => this.refresh());
    this.el.addEventListener('click', (ev) => {
      const row = ev.target.closest('.row');
      if (!row || row.dataset.index === undefined) return;
      const i = Number(row.dataset.index);
      this.selected = i;
      this.onClick?.(this.items[i], i);
      this.refresh();
    });
  }

  setItems(items) {
    this.items = items;
    this.refresh();
  }

  refresh() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const n = this.items.length;
    const h = this.rowHeight;
    const atEnd = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 2 * h;
    this.spacer.style.height = `${n * h}px`;
    if (this.stickToEnd && atEnd) this.el.scrollTop = n * h;
    // when the list shrank (a filter), the browser may not have clamped scrollTop yet: clamp it
    // here, or every row would be drawn past the end and the list would show nothing
    const maxTop = Math.max(0, n * h - this.el.clientHeight);
    if (this.el.scrollTop > maxTop) this.el.scrollTop = maxTop;
    const first = Math.max(0, Math.min(Math.floor(Math.min(this.el.scrollTop, maxTop) / h) - 2, n - 1));
    const count = Math.max(0, Math.min(n - first, Math.ceil(this.el.clientHeight / h) + 4));
    while (this.pool.length < count) {
      const row = document.createElement('div');
      row.className = 'row';
      this.el.appendChild(row);
      this.pool.push(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k];
      if (k >= count) {
        // a hidden row keeps nothing of what it showed (no stale index or text to find or click)
        if (row.style.display !== 'none') {
          row.style.display = 'none';
          delete row.dataset.index;
          row.textContent = '';
        }
        continue;
      }
      const i = first + k;
      row.style.display = '';
      row.style.transform = `translateY(${i * h}px)`;
      row.dataset.index = String(i);
      this.render(row, this.items[i], i);
      row.classList.toggle('sel', i === this.selected);
    }
  }
}

/** Set a row's cells (re-using its span elements). */
export function cells(row, cls, values, classes = []) {
  if (row.className.indexOf(cls) < 0) row.className = `row ${cls}`;
  while (row.children.length < values.length) row.appendChild(document.createElement('span'));
  for (let i = 0; i < values.length; i++) {
    const span = row.children[i];
    const text = values[i] ?? '';
    if (span.textContent !== text) span.textContent = text;
    const c = classes[i] ?? '';
    if (span.className !== c) span.className = c;
  }
}
