import { connect } from 'node:net';
import type { Reply } from './http.js';

/**
 * Sends `head` (a request line and headers, without the blank line that ends them) and `body`
 * over a TCP connection of its own, exactly as written, and reads the whole answer: for the
 * requests fetch will not send (any Host, none, two, an absolute-form target, HTTP/1.0). The
 * request says `Connection: close`, so the answer ends when the server closes.
 */
export async function rawRequest(baseUrl: string, head: string, body = ''): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  const bytes = Buffer.from(body);
  const framing = bytes.length > 0 ? `\r\nContent-Length: ${bytes.length}` : '';
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      // Written, not ended: a half-closed connection may be closed by the server before it answers.
      socket.write(Buffer.concat([Buffer.from(`${head}${framing}\r\nConnection: close\r\n\r\n`), bytes]));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
  return parseResponse(received.toString('utf8'));
}

/** A raw HTTP/1.x response as the tests' Reply: status, headers, body (de-chunked, parsed if JSON). */
function parseResponse(raw: string): Reply {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = (end < 0 ? raw : raw.slice(0, end)).split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let text = end < 0 ? '' : raw.slice(end + 4);
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    let decoded = '';
    for (let at = 0; ;) {
      const lineEnd = text.indexOf('\r\n', at);
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (!(size > 0)) break;
      decoded += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    text = decoded;
  }
  const type = headers.get('content-type') ?? '';
  const body = /json/.test(type) && text ? (JSON.parse(text) as unknown) : undefined;
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, text };
}
