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

  it('sample the event-loop lag while the agent is busy, and report none for idle time', async () => {
    const self = new SelfMetrics('test');
    const lag = async (family: string) => {
      const m = new RegExp(`^nodejs_eventloop_lag_${family}_seconds (\\S+)$`, 'm').exec((await self.text('prometheus')).toString());
      assert.ok(m, `nodejs_eventloop_lag_${family}_seconds is served`);
      return Number(m[1]);
    };
    await sleep(50);
    assert.equal(await lag('min'), 0, 'no samples: 0, not the empty histogram\'s huge minimum');
    assert.equal(await lag('max'), 0);
    const end = self.busy();
    for (let i = 0; i < 4; i++) {
      const until = Date.now() + 40;
      while (Date.now() < until); // a stall the monitor sees late
      await sleep(15);
    }
    end();
    await sleep(1000); // the gauges share a reading for a second
    const max = await lag('max');
    assert.ok(max >= 0.02, `a 40 ms stall shows as lag, got ${max}`);
    assert.ok(max < 5, `in seconds, got ${max}`);
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
