// Times one ONNX model with ONNX Runtime's CPU provider (onnxruntime-node), for
// bench/compare. Usage:
//   node ort_bench.js MODEL.onnx INPUT.bin N,C,H,W ITERS WARMUP THREADS
// INPUT.bin holds float32 values in C order. Prints one JSON object:
// {"times_ms": [...], "top5": [...], "version": "..."} (top-5 of the first image).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
    const [model, inputPath, shapeText, itersText, warmupText, threadsText] = process.argv.slice(2);
    const shape = shapeText.split(',').map(Number);
    const iters = Number(itersText), warmup = Number(warmupText), threads = Number(threadsText);
    const bytes = fs.readFileSync(inputPath);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const session = await ort.InferenceSession.create(model, {
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
    });
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
    let out = null;
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const times = [];
    for (let i = 0; i < iters; i++) {
        const t0 = process.hrtime.bigint();
        out = await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const logits = out[session.outputNames[0]].data;
    const perImage = logits.length / shape[0];
    const idx = Array.from({length: perImage}, (_, k) => k);
    idx.sort((a, b) => logits[b] - logits[a]);
    const version = require('onnxruntime-node/package.json').version;
    process.stdout.write(JSON.stringify({times_ms: times, top5: idx.slice(0, 5), version}) + '\n');
}

main().catch((e) => {
    process.stderr.write(`ort_bench: ${e}\n`);
    process.exit(1);
});
