import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SelfMetrics } from '../../src/metrics/self.js';

describe("the agent's own metrics", () => {
  it('are collected once for scrapes in a row, and ends OpenMetrics with # EOF', async () => {
    const self = new SelfMetrics('test');
    const first = await self.text('prometheus');
    assert.equal(await self.text('prometheus'), first);
    assert.match(first.toString(), /^process_cpu_user_seconds_total /m);
    const om = (await self.text('openmetrics')).toString();
    assert.ok(om.endsWith('# EOF\n'));
  });

  it('show a poll, a CRI call or a dropped item at the next scrape', async () => {
    const self = new SelfMetrics('test');
    assert.match((await self.text('prometheus')).toString(), /^cri_exporter_up 0$/m);
    self.observePoll(true, 0.1, [], 1_700_000_000);
    assert.match((await self.text('prometheus')).toString(), /^cri_exporter_up 1$/m);
    self.observeCall('ListContainers', 'OK', 0.01);
    assert.match((await self.text('openmetrics')).toString(), /^cri_exporter_cri_requests_total\{method="ListContainers",code="OK"\} 1$/m);
    self.observeInvalid('container', 'bad_id', 2);
    assert.match((await self.text('prometheus')).toString(), /^cri_exporter_invalid_items_total\{kind="container",reason="bad_id"\} 2$/m);
  });

  it('keep the counters\' _total in the Prometheus text after an OpenMetrics scrape', async () => {
    const self = new SelfMetrics('test');
    self.observeCall('Version', 'OK', 0.01);
    self.observePoll(false, 0.1, ['poll'], 1_700_000_000);
    const om = (await self.text('openmetrics')).toString();
    assert.match(om, /^# TYPE cri_exporter_cri_requests counter$/m);
    assert.match(om, /^cri_exporter_cri_requests_total\{method="Version",code="OK"\} 1$/m);
    const text = (await self.text('prometheus')).toString();
    assert.match(text, /^# TYPE cri_exporter_cri_requests_total counter$/m);
    assert.match(text, /^cri_exporter_cri_requests_total\{method="Version",code="OK"\} 1$/m);
    assert.match(text, /^cri_exporter_poll_errors_total\{part="poll"\} 1$/m);
  });

  it('collect the process metrics again once they are a second old', async () => {
    const self = new SelfMetrics('test');
    const first = await self.text('prometheus');
    await sleep(1100);
    assert.notEqual(await self.text('prometheus'), first);
  });
});
