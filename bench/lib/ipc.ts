// The little protocol between the bench and its child processes, over
// Node's IPC channel: a child asks (`ask`) and the parent answers with the
// same id; a child ends by sending one `result`.

export interface Message {
  readonly type: string;
  readonly id?: number;
  readonly [key: string]: unknown;
}

let nextId = 1;
const waiting = new Map<number, (m: Message) => void>();
let listening = false;

function send(m: Message): void {
  if (!process.send) throw new Error('bench child started without an IPC channel');
  process.send(m);
}

/** Child side: sends `m` to the parent and waits for its answer. */
export function ask(m: Message): Promise<Message> {
  if (!listening) {
    listening = true;
    process.on('message', (reply: Message) => {
      const done = reply.id === undefined || !reply.type.endsWith(':answer') ? undefined : waiting.get(reply.id);
      if (done && reply.id !== undefined) {
        waiting.delete(reply.id);
        done(reply);
      }
    });
  }
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    send({ ...m, id });
  });
}

/** Child side: hands the result to the parent, then lets the process end. */
export function finish(result: object): void {
  if (!process.send) throw new Error('bench child started without an IPC channel');
  process.send({ type: 'result', result }, undefined, {}, () => process.disconnect?.());
  // Whatever handle is still open (a closing channel, a metrics observer) must not keep the child alive.
  setTimeout(() => process.exit(0), 500).unref();
}

/** Child side: its options, passed as one JSON argument. */
export function childOptions<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('bench child: missing options argument');
  return JSON.parse(raw) as T;
}
