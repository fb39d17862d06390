// Times the engine compiled to wasm under node. Run by scripts/bench-wasm.sh, which builds
// ./pkg first. Usage: node bench.cjs PKG_DIR [SHAPE...], SHAPE = PODSxNODES (default 10000x5000).
'use strict';
const { performance } = require('node:perf_hooks');
const os = require('node:os');
const [pkgDir, ...args] = process.argv.slice(2);
const bench = require(require('node:path').resolve(pkgDir, 'kubefiddle_bench_wasm.js'));

const reps = Number(process.env.REPS || 3);
const shapes = (args.length ? args : ['10000x5000']).map((s) => s.split('x').map(Number));

console.log(`node ${process.version}, ${os.cpus()[0].model} (${os.cpus().length} cores), ${reps} repetitions`);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

for (const [pods, nodes] of shapes) {
  const times = [];
  for (let r = 0; r < reps; r++) {
    bench.prepare_plain(nodes, pods);
    const t0 = performance.now();
    const bound = bench.schedule_plain();
    const ms = performance.now() - t0;
    if (bound !== pods) throw new Error(`only ${bound} of ${pods} pods were bound`);
    times.push(ms);
    console.log(`  plain ${pods} pods on ${nodes} nodes, run ${r + 1}: ${(ms / 1000).toFixed(2)} s`);
  }
  const m = median(times);
  console.log(`plain pods (SchedulingBasic shape), ${pods} pods on ${nodes} nodes: median ${(m / 1000).toFixed(2)} s, ${Math.round(pods / (m / 1000))} pods/s`);
}

// The redo time: the whole engine on a 100-pod scenario, as the page after an edit.
const scenario = bench.deployment_scenario(10, 100);
bench.run_scenario(scenario); // warm-up
const redo = [];
for (let r = 0; r < Math.max(reps, 10); r++) {
  const t0 = performance.now();
  const bound = bench.run_scenario(scenario);
  redo.push(performance.now() - t0);
  if (bound !== 100) throw new Error(`only ${bound} of 100 pods were bound`);
}
console.log(`redo: a kind cluster of 11 nodes and a 100-replica Deployment, whole engine run: median ${median(redo).toFixed(1)} ms (min ${Math.min(...redo).toFixed(1)}, max ${Math.max(...redo).toFixed(1)}, ${redo.length} runs)`);
