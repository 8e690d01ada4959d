// Side by side: the same photo as 8-bit and as Float32Array, LIME 1000 samples, alternating runs.
const { createExplainer, loadImage } = require('./dist/lib');
(async () => {
  const e = await createExplainer('/work/shared/models/mobilenetv2-12-int8.onnx', {});
  const rgb = await loadImage('/work/shared/images/chelsea.png');
  const eight = { data: rgb.data, width: rgb.width, height: rgb.height, channels: 3 };
  const flt = { data: Float32Array.from(rgb.data), width: rgb.width, height: rgb.height, channels: 3 };
  const t = { eight: [], flt: [] }, c = { eight: [], flt: [] };
  for (let i = 0; i < 3; i++) for (const [k, img] of [['eight', eight], ['flt', flt]]) {
    const t0 = performance.now(); const r = await e.lime(img, { numSamples: 1000, hide: 'black', seed: 1 }); t[k].push(performance.now() - t0); c[k].push(r.timings.composite);
  }
  const med = (a) => a.slice().sort((x, y) => x - y)[1];
  console.log('total ms median', med(t.eight).toFixed(0), med(t.flt).toFixed(0), 'composite ms median', med(c.eight).toFixed(1), med(c.flt).toFixed(1));
  await e.dispose();
})();
