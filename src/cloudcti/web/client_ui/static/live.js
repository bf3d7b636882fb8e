// The one WebSocket: hello, frames applied strictly in seq order, reconnect with backoff and
// resume from the last applied seq (or a full reload on resync_required), ping every 25 s.
import { eventsUrl } from './api.js';

const PING_MS = 25000;

/** Live stream of the user's frames; callbacks: onFrame(frame), onReload(), onStatus(s). */
export class Live {
  constructor({ onFrame, onReload, onStatus }) {
    this.onFrame = onFrame;
    this.onReload = onReload;
    this.onStatus = onStatus;
    this.seq = null; // highest seq applied; every frame up to it has been applied
    this.pending = new Map(); // frames that arrived ahead of a gap, by seq
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
  }

  /** Connect; reconnects by itself until stop(). */
  start() {
    this.stopped = false;
    this._open();
  }

  /** Close for good (logout). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
  }

  _open() {
    const ws = new WebSocket(eventsUrl());
    this.ws = ws;
    ws.onmessage = (message) => this._message(ws, JSON.parse(message.data));
    ws.onclose = () => this._closed(ws);
  }

  _closed(ws) {
    if (this.ws !== ws) return;
    clearInterval(this.pinger);
    if (this.stopped) return;
    this.onStatus('reconnecting');
    const delay = Math.min(8000, 300 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.retry = setTimeout(() => this._open(), delay);
  }

  async _message(ws, message) {
    if (message.type === 'hello') {
      this.attempt = 0;
      clearInterval(this.pinger);
      this.pinger = setInterval(() => ws.send('{"op":"ping"}'), PING_MS);
      const latest = message.data.seq;
      this.helloSeq = latest;
      if (this.seq === null) {
        this.seq = latest;
        await this._reload();
      } else if (latest > this.seq) {
        ws.send(JSON.stringify({ op: 'resume', since: this.seq }));
      }
      this._drain();
      this.onStatus('live');
      return;
    }
    if (message.type === 'resync_required') {
      this.seq = this.helloSeq ?? this.seq;
      await this._reload();
      this._drain();
      return;
    }
    if (typeof message.seq !== 'number' || this.seq === null) return;
    if (message.seq <= this.seq) return;
    this.pending.set(message.seq, message);
    this._drain();
  }

  async _reload() {
    // Frames arriving meanwhile wait: the reload's answers would overwrite their effect.
    this.reloading = true;
    try {
      await this.onReload();
    } finally {
      this.reloading = false;
    }
  }

  _drain() {
    if (this.reloading) return;
    while (this.pending.has(this.seq + 1)) {
      const frame = this.pending.get(this.seq + 1);
      this.pending.delete(this.seq + 1);
      this.seq = frame.seq;
      this.onFrame(frame);
    }
    for (const seq of this.pending.keys()) if (seq <= this.seq) this.pending.delete(seq);
  }
}
