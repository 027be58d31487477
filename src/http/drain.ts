// A graceful close that does not cut off slow readers. Node's server.close()
// destroys every connection it considers idle, and a connection counts as
// idle as soon as its response has been handed to the socket — while
// megabytes of a /metrics body may still wait in the socket's buffer for a
// slow client. Such a connection is ended instead (its data flushes first);
// truly idle ones are destroyed as before; busy ones finish their response.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

interface HttpSocket extends Socket {
  /** Node's current response on this connection (internal, stable since Node 0.x). */
  _httpMessage?: { finished?: boolean; writableEnded?: boolean } | null;
}

export function drainOnClose(server: Server): void {
  const sockets = new Set<HttpSocket>();
  // HTTP runs on the TLS socket for HTTPS: track that one, never the TCP socket underneath it.
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  server.on(event, (s: HttpSocket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.closeIdleConnections = () => {
    for (const s of sockets) {
      const res = s._httpMessage;
      // Null once a keep-alive connection's response is done.
      const responding = res != null && !(res.writableEnded ?? res.finished);
      if (responding) continue;
      if (s.writableLength > 0) s.end();
      else s.destroy();
    }
  };
}
