// sse.js: a parser for the text/event-stream format, fed with decoded text
// chunks as they arrive. The page reads the stream with fetch() rather than
// EventSource, because EventSource cannot send the X-Api-Key header.

// maxLine bounds a line that never ends, so a broken server cannot make the
// page hold an ever-growing buffer.
const maxLine = 1 << 20;

export class SSEParser {
  // onEvent receives {type, data, id} for each dispatched event.
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buf = '';
    this.type = '';
    this.data = [];
    this.id = '';
  }

  // push parses one chunk. Lines may end in "\r\n", "\n" or "\r", and a chunk
  // may end anywhere, even between "\r" and "\n".
  push(chunk) {
    let text = this.buf + chunk;
    const heldCR = text.endsWith('\r');
    if (heldCR) text = text.slice(0, -1);
    const lines = text.split(/\r\n|\r|\n/);
    this.buf = lines.pop() + (heldCR ? '\r' : '');
    if (this.buf.length > maxLine) this.buf = '';
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment, e.g. ": keep-alive"
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event': this.type = value; break;
      case 'data': this.data.push(value); break;
      case 'id': if (!value.includes('\0')) this.id = value; break;
      default: break; // "retry" and unknown fields: the caller has its own backoff
    }
  }

  dispatch() {
    const type = this.type || 'message';
    const data = this.data;
    this.type = '';
    this.data = [];
    if (data.length === 0) return;
    this.onEvent({ type, data: data.join('\n'), id: this.id });
  }
}
