// grid: lays the tiles out. Without a stage, every tile has the same size, chosen so
// that the tiles fill the space at 16:9. A shared screen (or a pinned tile) goes on
// the stage, large, and the others become a strip of small tiles beside or below it.

import { Tile } from "./tile.js";

const GAP = 8;

export class Grid {
  constructor({ grid, stage, alone, body, onSubscription }) {
    this.gridEl = grid;
    this.stageEl = stage;
    this.aloneEl = alone;
    this.bodyEl = body;
    this.onSubscription = onSubscription;
    this.tiles = new Map(); // key -> Tile
    this.pinnedKey = "";
    this.resizeObserver = new ResizeObserver(() => this.sizeTiles());
    this.resizeObserver.observe(this.gridEl);
  }

  get(key) {
    return this.tiles.get(key);
  }

  /** add returns the tile for key, creating it. */
  add(key, opts) {
    let tile = this.tiles.get(key);
    if (tile) return tile;
    tile = new Tile({
      key,
      ...opts,
      onSubscription: this.onSubscription,
      onPin: (t) => this.pin(this.pinnedKey === t.key ? "" : t.key),
    });
    this.tiles.set(key, tile);
    this.layout();
    return tile;
  }

  remove(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    tile.destroy();
    this.tiles.delete(key);
    if (this.pinnedKey === key) this.pinnedKey = "";
    this.layout();
  }

  /**
   * rekey gives a tile a new key, keeping the tile itself: its place, rank, pin,
   * minimised state and picture. A remote's tiles are keyed by its SID (tests, and
   * the speaker and quality updates, find them by SID), and the SID changes only when
   * the room moves to another node: renaming the key then is smaller than threading
   * a second, stable id through every lookup.
   */
  rekey(oldKey, newKey) {
    const tile = this.tiles.get(oldKey);
    if (!tile || oldKey === newKey || this.tiles.has(newKey)) return;
    this.tiles = new Map([...this.tiles].map(([k, v]) => (k === oldKey ? [newKey, v] : [k, v])));
    tile.setKey(newKey);
    if (this.pinnedKey === oldKey) this.pinnedKey = newKey;
  }

  pin(key) {
    this.pinnedKey = key;
    for (const tile of this.tiles.values()) tile.setPinned(tile.key === key);
    this.layout();
  }

  /** stageKey is the tile shown large: the pinned one, else the newest remote screen, else our own screen. */
  stageKey() {
    if (this.pinnedKey && this.tiles.has(this.pinnedKey)) return this.pinnedKey;
    let own = "";
    let remote = "";
    for (const tile of this.tiles.values()) {
      if (tile.kind !== "screen") continue;
      if (tile.local) own = tile.key;
      else remote = tile.key;
    }
    return remote || own;
  }

  layout() {
    const stageKey = this.stageKey();
    const ordered = [...this.tiles.values()].sort(tileOrder);
    for (const tile of ordered) {
      const parent = tile.key === stageKey ? this.stageEl : this.gridEl;
      if (tile.el.parentElement !== parent || parent === this.gridEl) parent.append(tile.el);
    }
    this.stageEl.hidden = !stageKey;
    this.bodyEl.classList.toggle("with-stage", !!stageKey);
    const remotes = ordered.filter((t) => !t.local).length;
    this.aloneEl.hidden = remotes > 0;
    this.sizeTiles();
  }

  /** sizeTiles picks the column count that gives the largest 16:9 tiles. */
  sizeTiles() {
    const n = this.gridEl.children.length;
    const W = this.gridEl.clientWidth;
    const H = this.gridEl.clientHeight;
    if (n === 0 || W === 0 || H === 0) return;
    const strip = this.bodyEl.classList.contains("with-stage");
    let best = { w: 0, h: 0 };
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      let w = (W - GAP * (cols - 1)) / cols;
      let h = (w * 9) / 16;
      const maxH = (H - GAP * (rows - 1)) / rows;
      if (h > maxH) {
        h = maxH;
        w = (h * 16) / 9;
      }
      if (w > best.w) best = { w, h };
    }
    if (strip) best = { w: Math.min(best.w, 320), h: Math.min(best.h, 180) };
    this.gridEl.style.setProperty("--tile-w", `${Math.floor(best.w)}px`);
    this.gridEl.style.setProperty("--tile-h", `${Math.floor(best.h)}px`);
  }

  clear() {
    for (const key of [...this.tiles.keys()]) this.remove(key);
    this.pinnedKey = "";
  }
}

// Own tile first, then by join order (the key holds the participant's arrival rank).
function tileOrder(a, b) {
  if (a.local !== b.local) return a.local ? -1 : 1;
  return (a.rank || 0) - (b.rank || 0);
}
