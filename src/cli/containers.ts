// `cri-exporter containers`: one poll, then every container on the node with
// its log path and writable layer, as a table or JSON.
import type { Output } from '../config.js';
import type { Container, Snapshot } from '../poller/snapshot.js';
import { containerView } from '../http/views.js';
import { renderTable } from './table.js';

function layer(c: Container): string {
  return c.writableLayer.upperDir || c.writableLayer.mergedDir || '-';
}

export function formatContainers(snapshot: Snapshot, output: Output): string {
  const containers = snapshot.containers;
  if (output === 'json') return JSON.stringify(containers.map(containerView), null, 2) + '\n';
  if (output === 'wide') {
    return renderTable(
      ['CONTAINER ID', 'NAMESPACE', 'POD', 'CONTAINER', 'ATTEMPT', 'STATE', 'RUNTIME', 'HANDLER', 'IMAGE', 'LOG PATH', 'MERGED DIR', 'UPPER DIR', 'LAYER SOURCE'],
      containers.map((c) => [c.id.slice(0, 13), c.pod.namespace, c.pod.name, c.name, String(c.attempt), c.state, c.runtime.name,
        c.pod.runtimeHandler || '-', c.image, c.logPath || '-', c.writableLayer.mergedDir || '-', c.writableLayer.upperDir || '-',
        `${c.writableLayer.source}${c.writableLayer.complete ? '' : ' (incomplete)'}`]),
    );
  }
  return renderTable(
    ['CONTAINER ID', 'NAMESPACE', 'POD', 'CONTAINER', 'STATE', 'RUNTIME', 'LOG PATH', 'WRITABLE LAYER'],
    containers.map((c) => [c.id.slice(0, 13), c.pod.namespace, c.pod.name, c.name, c.state, c.runtime.name, c.logPath || '-', layer(c)]),
  );
}
