import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseWorld } from '../fake-aws/index.ts';
import { REPO_ROOT } from '../appliance/harness.ts';
import { demoEstate, type DemoTask } from '../../supervisor/demo/estate.ts';
import { cadvisorMetrics } from '../../supervisor/demo/series/cadvisor.ts';
import { ecsExporterMetrics } from '../../supervisor/demo/series/ecs-exporter.ts';
import { nodeExporterMetrics } from '../../supervisor/demo/series/node-exporter.ts';

type Series = { name: string; labels: Record<string, string>; value: number };

/** The samples of an exposition text (no HELP/TYPE), as Prometheus reads them. */
function parse(text: string): Series[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}
const pick = (series: Series[], name: string, where: Record<string, string> = {}) =>
  series.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
const one = (series: Series[], name: string, where: Record<string, string> = {}) => {
  const found = pick(series, name, where);
  assert.equal(found.length, 1, `${name} ${JSON.stringify(where)}: ${found.length} series`);
  return found[0]!.value;
};

const estate = async () => demoEstate(parseWorld(JSON.parse(await readFile(join(REPO_ROOT, 'test/fake-aws/worlds/demo.json'), 'utf8'))));
const NOW = 1_750_000_000;
const ECS_LABELS = ['cluster', 'container_name', 'task_arn', 'task_definition_family', 'task_definition_version'].map((l) => `container_label_com_amazonaws_ecs_${l}`);

describe('the demo exporters, series by series', () => {
  it('cAdvisor: one set of series per docker container of the instance, with exactly the whitelisted ECS labels, id, name and image', async () => {
    const [instance] = (await estate()).instances;
    const series = parse(cadvisorMetrics(instance!, NOW));
    const usage = pick(series, 'container_cpu_usage_seconds_total').filter((s) => s.labels.container_label_com_amazonaws_ecs_task_arn);
    assert.deepEqual(usage.map((s) => s.labels.container_label_com_amazonaws_ecs_container_name).sort(), ['broken', 'cadvisor', 'ecs-exporter', 'envoy', 'inventory', 'legacy', 'node-exporter', 'orders']);
    for (const s of usage) {
      assert.deepEqual(Object.keys(s.labels).sort(), [...ECS_LABELS, 'cpu', 'id', 'image', 'name'].sort());
      assert.match(s.labels.container_label_com_amazonaws_ecs_task_arn!, /^arn:aws:ecs:us-east-1:111111111111:task\/demo-ec2\/[0-9a-f]{32}$/, 'the task ARN discovery and ecs_appliance_task_info carry');
      assert.equal(s.labels.container_label_com_amazonaws_ecs_cluster, 'arn:aws:ecs:us-east-1:111111111111:cluster/demo-ec2');
      assert.match(s.labels.id!, /^\/ecs\/[0-9a-f]{32}\/[0-9a-f]{64}$/);
    }
    assert.ok(pick(series, 'container_memory_working_set_bytes', { id: '/' }).length === 1, 'the root cgroup, without ECS labels, as cAdvisor reports it');
    assert.equal(one(series, 'machine_cpu_cores'), 2);
    assert.equal(one(series, 'machine_memory_bytes'), 8 * 1024 ** 3);
  });

  it('cAdvisor: counters grow, inventory sits near its memory limit, orders is OOM-killed and restarted in place now and then', async () => {
    const [instance] = (await estate()).instances;
    const at = (t: number) => parse(cadvisorMetrics(instance!, t));
    const c = (name: string) => ({ container_label_com_amazonaws_ecs_container_name: name });
    const [before, later] = [at(NOW), at(NOW + 60)];
    for (const name of ['inventory', 'envoy', 'cadvisor']) {
      assert.ok(one(later, 'container_cpu_usage_seconds_total', c(name)) > one(before, 'container_cpu_usage_seconds_total', c(name)), name);
      assert.ok(one(later, 'container_network_receive_bytes_total', c(name)) > one(before, 'container_network_receive_bytes_total', c(name)), name);
    }
    for (let t = NOW; t < NOW + 1800; t += 300) {
      const s = at(t);
      const ratio = one(s, 'container_memory_working_set_bytes', c('inventory')) / one(s, 'container_spec_memory_limit_bytes', c('inventory'));
      assert.ok(ratio > 0.9 && ratio < 1, `inventory at ${ratio.toFixed(3)} of its limit`);
    }
    const over15m = Array.from({ length: 16 }, (_, minute) => at(NOW + minute * 60));
    const cpu = over15m.map((s) => one(s, 'container_cpu_usage_seconds_total', c('orders')));
    const resets = cpu.filter((value, i) => i > 0 && value < cpu[i - 1]!).length;
    assert.ok(resets >= 3, `orders restarted ${resets} times in 15 minutes, enough for ECSContainerRestarting (> 2)`);
    assert.ok(one(over15m.at(-1)!, 'container_oom_events_total', c('orders')) > one(over15m[0]!, 'container_oom_events_total', c('orders')));
    assert.equal(new Set(over15m.map((s) => one(s, 'container_start_time_seconds', c('orders')))).size, 1, "an in-place restart keeps Docker's creation time");
  });

  it('cAdvisor: every container of an awsvpc task reports the same interface counters', async () => {
    const { instances } = await estate();
    const instance = instances[0]!;
    const orders = instance.tasks.find((t) => t.family === 'orders')!;
    const awsvpc: DemoTask = { ...orders, taskArn: orders.taskArn.replace(/[0-9a-f]{32}$/, 'f'.repeat(32)), networkMode: 'awsvpc' };
    const series = parse(cadvisorMetrics({ ...instance, tasks: [awsvpc] }, NOW));
    const received = pick(series, 'container_network_receive_bytes_total');
    assert.equal(received.length, 3);
    assert.equal(new Set(received.map((s) => s.value)).size, 1);
  });

  it("ecs_exporter: its task's containers by container_name, the task's interface, limits and metadata; no throttling on Fargate", async () => {
    const { tasks } = await estate();
    const checkout = tasks.find((t) => t.family === 'checkout')!;
    const series = parse(ecsExporterMetrics(checkout, NOW));
    assert.deepEqual(pick(series, 'ecs_container_cpu_usage_seconds_total').map((s) => s.labels), [{ container_name: 'checkout' }, { container_name: 'ecs-exporter' }]);
    assert.deepEqual(pick(series, 'ecs_network_receive_bytes_total').map((s) => s.labels), [{ interface: 'eth1' }]);
    assert.equal(one(series, 'ecs_task_cpu_limit_vcpus'), 0.5);
    assert.equal(one(series, 'ecs_task_memory_limit_bytes'), 1024 * 1024 ** 2);
    assert.deepEqual(pick(series, 'ecs_task_metadata_info')[0]!.labels, {
      availability_zone: 'us-east-1a', cluster: 'arn:aws:ecs:us-east-1:111111111111:cluster/demo-fargate', desired_status: 'RUNNING', family: 'checkout',
      known_status: 'RUNNING', launch_type: 'FARGATE', revision: '3', task_arn: checkout.taskArn,
    });
    assert.ok(one(series, 'ecs_task_ephemeral_storage_used_bytes') > 0);
    assert.deepEqual(series.filter((s) => /throttl|cfs/.test(s.name)), []);
    assert.deepEqual(pick(series, 'ecs_container_restarts_total'), [], 'no restart policy, no series');

    const orders = tasks.find((t) => t.family === 'orders')!;
    const ec2 = parse(ecsExporterMetrics(orders, NOW + 600));
    assert.deepEqual(pick(ec2, 'ecs_container_restarts_total').map((s) => s.labels), [{ container_name: 'orders' }]);
    assert.ok(one(ec2, 'ecs_container_restarts_total') > one(parse(ecsExporterMetrics(orders, NOW)), 'ecs_container_restarts_total'));
    assert.deepEqual(pick(ec2, 'ecs_task_memory_limit_bytes'), [], 'an EC2 task without task memory has no task limit');
    assert.equal(one(ec2, 'ecs_container_memory_limit_bytes', { container_name: 'orders' }), 256 * 1024 ** 2);
  });

  it('node-exporter: CPU by mode, memory, the root filesystem and its inodes, moving with time', async () => {
    const [instance] = (await estate()).instances;
    const [before, later] = [parse(nodeExporterMetrics(instance!, NOW)), parse(nodeExporterMetrics(instance!, NOW + 60))];
    assert.equal(pick(before, 'node_cpu_seconds_total').length, 2 * 8);
    assert.ok(one(later, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' }) > one(before, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' }));
    assert.ok(one(later, 'node_cpu_seconds_total', { cpu: '1', mode: 'idle' }) > one(before, 'node_cpu_seconds_total', { cpu: '1', mode: 'idle' }));
    const root = { mountpoint: '/' };
    assert.ok(one(before, 'node_filesystem_avail_bytes', root) < one(before, 'node_filesystem_size_bytes', root));
    assert.ok(one(before, 'node_filesystem_files_free', root) < one(before, 'node_filesystem_files', root));
    assert.ok(one(before, 'node_memory_MemAvailable_bytes') < one(before, 'node_memory_MemTotal_bytes'));
  });

  it('never writes one series twice', async () => {
    const { instances, tasks } = await estate();
    const texts = [cadvisorMetrics(instances[0]!, NOW), nodeExporterMetrics(instances[0]!, NOW), ...tasks.map((t) => ecsExporterMetrics(t, NOW))];
    for (const text of texts) {
      const keys = parse(text).map((s) => `${s.name}${JSON.stringify(s.labels)}`);
      assert.equal(new Set(keys).size, keys.length);
    }
  });
});
