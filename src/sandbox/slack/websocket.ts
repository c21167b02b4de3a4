import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** One server-side WebSocket connection (RFC 6455): text frames, ping/pong, close. No extensions. */
export class WsConnection {
  private readonly socket: Duplex;
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  onText: (text: string) => void = () => {};
  onClose: () => void = () => {};

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => this.read(d));
    socket.on("close", () => this.finish());
    socket.on("error", () => this.finish());
  }

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): void {
    this.frame(0x1, Buffer.from(text, "utf8"));
  }

  ping(): void {
    this.frame(0x9, Buffer.alloc(0));
  }

  close(code = 1000, reason = ""): void {
    if (this.closed) return;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.frame(0x8, body);
    this.socket.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (len >= 126) {
      head[0] = 0x80 | opcode;
      if (len < 65536) {
        head[1] = 126;
        head.writeUInt16BE(len, 2);
      } else {
        head[1] = 127;
        head.writeBigUInt64BE(BigInt(len), 2);
      }
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0] ?? 0;
      const b1 = this.buffer[1] ?? 0;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        len = Number(this.buffer.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOff = off;
      if (masked) off += 4;
      if (this.buffer.length < off + len) return;
      const payload = Buffer.from(this.buffer.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (this.buffer[maskOff + (i % 4)] ?? 0);
      this.buffer = this.buffer.subarray(off + len);
      this.handle(b0 & 0x0f, (b0 & 0x80) !== 0, payload);
    }
  }

  private handle(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode === 0x8) return this.close();
    if (opcode === 0x9) return this.frame(0xa, payload);
    if (opcode === 0xa) return;
    if (opcode === 0x1 || opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.fragments).toString("utf8");
      this.fragments = [];
      this.onText(text);
    }
  }
}

/** Completes the HTTP upgrade handshake; undefined (and a 400) when the request is not a WebSocket one. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex): WsConnection | undefined {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || String(req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
    socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    return undefined;
  }
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  socket.write(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${accept}`, "", ""].join("\r\n"));
  return new WsConnection(socket);
}
