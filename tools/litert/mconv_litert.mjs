// mconv's LiteRT runner: executes .tflite files in Google's LiteRT.js (TFLite runtime + XNNPACK
// built to WebAssembly) under Node, the oracle for every .tflite mconv writes. The packages live in
// MCONV_LITERT_HOME (default <repo>/.cache/litert, installed by scripts/setup.sh).
//
//   node mconv_litert.mjs info MODEL.tflite
//       signatures, input/output tensors (dtype, shape, quantization) and operators with versions
//   node mconv_litert.mjs run MODEL.tflite IN0.npy [IN1.npy ...] -o OUT_PREFIX [options]
//   node mconv_litert.mjs signature MODEL.tflite
//       machine-readable I/O signature, one tab-separated line per tensor:
//       input|output <TAB> index <TAB> dtype <TAB> shape,csv <TAB> shape_signature,csv <TAB>
//       scale,csv <TAB> zero_point,csv <TAB> name   (name last: it may hold any character)
//   node mconv_litert.mjs batch JOBS.tsv [options]
//       one job a line: MODEL<TAB>OUT_PREFIX<TAB>IN0.npy[<TAB>IN1.npy ...]; the runtime loads once
//   node mconv_litert.mjs batch - [options]
//       the same lines read from stdin as they arrive, each job run when its line comes; the
//       runtime starts before the first line (so a caller can start the process early)
//   options: --engine litert|tfjs|auto (default litert; auto tries tfjs when LiteRT.js refuses)
//            --threads N (default 1)
//            --runs N   after the outputs are written, time N more runs of the first sample and
//                       report the median/min milliseconds on the job's line, plus every
//                       sample (times_ms=a,b,...), the model load (load_ms: read + compile),
//                       the one-off runtime start (init_ms), the first inference (first_ms)
//                       and the process's peak RSS so far (peak_rss_kb)
//            --warmup W untimed runs before the N timed ones (default 0)
//
// Inputs: one .npy per model input (signature order). An array of exactly the input's shape runs
// once; an array [N, ...] for an input [1, ...] runs N times (row by row) and the outputs are
// stacked back into [N, ...]. A float32 array for an int8/uint8 input is quantized with the
// tensor's scale and zero point. Outputs: OUT_PREFIX.<k>.npy in the output's own dtype.
// Every job prints one line "OK <k> ..." or "FAIL <k> <reason>"; the exit code is 0 only when all
// jobs passed. A runtime line starting with ERROR fails the job (LiteRT may log an error and still
// return zeros).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import vm from 'node:vm';
import { createRequire, Module } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const HOME = process.env.MCONV_LITERT_HOME || path.join(REPO, '.cache/litert');
const SCHEMA = path.join(REPO, 'src/tflite/schema/mconv_tflite.fbs');

// ------------------------------------------------------------------------------------ .npy
const NPY_TYPES = {
  '<f4': Float32Array, '<f8': Float64Array, '<i4': Int32Array, '<i8': BigInt64Array,
  '|u1': Uint8Array, '|i1': Int8Array, '<i2': Int16Array, '<u2': Uint16Array, '|b1': Uint8Array,
  '<f2': Uint16Array,
};

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const dataStart = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, dataStart);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim())
    .filter((s) => s.length).map(Number);
  const Ctor = NPY_TYPES[descr];
  if (!Ctor) throw new Error(`${file}: unsupported dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = bytes.buffer.slice(bytes.byteOffset + dataStart,
    bytes.byteOffset + dataStart + count * Ctor.BYTES_PER_ELEMENT);
  return { descr, shape, data: new Ctor(copy) };
}

const DESCR_OF = {
  float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1', int8: '|i1',
  int16: '<i2', uint16: '<u2', bool: '|b1', float16: '<f2',
};

function writeNpy(file, dtype, shape, data) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';  // 64-byte aligned data
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

// ------------------------------------------------------------------------------------ .tflite
// Operator names come from mconv's own schema so the list lives in one place.
function builtinOperatorNames() {
  const names = {};
  try {
    const text = fs.readFileSync(SCHEMA, 'utf8');
    const body = /enum BuiltinOperator : int32 \{([^}]*)\}/.exec(text)[1];
    for (const m of body.matchAll(/([A-Z0-9_]+)\s*=\s*(\d+)/g)) names[Number(m[2])] = m[1];
  } catch { /* names fall back to numbers */ }
  return names;
}

const TENSOR_TYPES = ['float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16',
  'complex64', 'int8', 'float64', 'complex128', 'uint64', 'resource', 'variant', 'uint32',
  'uint16', 'int4', 'bfloat16'];

// A small read-only flatbuffer walker over the fields mconv's runner needs (ids from the schema).
function readTflite(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (pos) => view.getUint32(pos, true);
  const fieldPos = (table, id) => {
    const vtable = table - view.getInt32(table, true);
    const vtableSize = view.getUint16(vtable, true);
    if (4 + 2 * id >= vtableSize) return 0;
    const off = view.getUint16(vtable + 4 + 2 * id, true);
    return off ? table + off : 0;
  };
  const deref = (table, id) => { const p = fieldPos(table, id); return p ? p + u32(p) : 0; };
  const vector = (table, id) => {
    const p = deref(table, id);
    return p ? { length: u32(p), start: p + 4 } : { length: 0, start: 0 };
  };
  const tables = (table, id) => {
    const v = vector(table, id);
    return Array.from({ length: v.length }, (_, k) => v.start + 4 * k + u32(v.start + 4 * k));
  };
  const ints = (table, id) => {
    const v = vector(table, id);
    return Array.from({ length: v.length }, (_, k) => view.getInt32(v.start + 4 * k, true));
  };
  const string = (table, id) => {
    const p = deref(table, id);
    return p ? bytes.toString('utf8', p + 4, p + 4 + u32(p)) : '';
  };
  const scalar = (table, id, read, fallback) => {
    const p = fieldPos(table, id);
    return p ? read(p) : fallback;
  };
  if (bytes.toString('latin1', 4, 8) !== 'TFL3') throw new Error('not a TFL3 flatbuffer');
  const opNames = builtinOperatorNames();
  const model = u32(0);
  const codes = tables(model, 1).map((code) => {
    const old = scalar(code, 0, (p) => view.getInt8(p), 0);
    const full = scalar(code, 3, (p) => view.getInt32(p, true), 0);
    const builtin = Math.max(old, full);
    const name = builtin === 32 ? `CUSTOM:${string(code, 1)}` : (opNames[builtin] ?? `OP${builtin}`);
    return { name, version: scalar(code, 2, (p) => view.getInt32(p, true), 1) };
  });
  const subgraphs = tables(model, 2).map((sg) => ({
    name: string(sg, 4),
    inputs: ints(sg, 1),
    outputs: ints(sg, 2),
    tensors: tables(sg, 0).map((t) => {
      const quant = deref(t, 4);
      const scale = [];
      const zeroPoint = [];
      if (quant) {
        const s = vector(quant, 2);
        for (let k = 0; k < s.length; k++) scale.push(view.getFloat32(s.start + 4 * k, true));
        const z = vector(quant, 3);
        for (let k = 0; k < z.length; k++) zeroPoint.push(Number(view.getBigInt64(z.start + 8 * k, true)));
      }
      return {
        name: string(t, 3), shape: ints(t, 0), signature: ints(t, 7), signatureAt: vector(t, 7).start,
        type: TENSOR_TYPES[scalar(t, 1, (p) => view.getInt8(p), 0)],
        buffer: scalar(t, 2, (p) => u32(p), 0), scale, zeroPoint,
      };
    }),
    operators: tables(sg, 3).map((op) => {
      const code = codes[scalar(op, 0, (p) => u32(p), 0)];
      return { name: code.name, version: code.version, inputs: ints(op, 1), outputs: ints(op, 2) };
    }),
  }));
  const signatures = tables(model, 7).map((sig) => {
    const maps = (id) => tables(sig, id).map((m) => ({
      name: string(m, 0), tensor: scalar(m, 1, (p) => u32(p), 0) }));
    return { key: string(sig, 2), inputs: maps(0), outputs: maps(1),
      subgraph: scalar(sig, 4, (p) => u32(p), 0) };
  });
  return { version: scalar(model, 0, (p) => u32(p), 0), description: string(model, 3), codes,
    subgraphs, signatures };
}

function printSignature(file) {
  const info = readTflite(fs.readFileSync(file));
  const sg = info.subgraphs[0];
  const line = (kind, k, i) => {
    const t = sg.tensors[i];
    const signature = t.signature.length ? t.signature : t.shape;
    console.log([kind, k, t.type, t.shape.join(','), signature.join(','), t.scale.join(','),
      t.zeroPoint.join(','), t.name.replace(/[\t\n]/g, ' ')].join('\t'));
  };
  sg.inputs.forEach((i, k) => line('input', k, i));
  sg.outputs.forEach((i, k) => line('output', k, i));
}

function printInfo(file) {
  const info = readTflite(fs.readFileSync(file));
  console.log(`model ${file}: schema version ${info.version}, description '${info.description}'`);
  for (const c of info.codes) console.log(`opcode ${c.name} v${c.version}`);
  for (const s of info.signatures) {
    const list = (m) => m.map((x) => `${x.name}=${x.tensor}`).join(',');
    console.log(`signature ${s.key} subgraph=${s.subgraph} inputs=${list(s.inputs)} outputs=${list(s.outputs)}`);
  }
  info.subgraphs.forEach((sg, k) => {
    console.log(`subgraph ${k} '${sg.name}' tensors=${sg.tensors.length} operators=${sg.operators.length}`);
    const describe = (i) => {
      const t = sg.tensors[i];
      const q = t.scale.length ? ` scale=${t.scale.length > 1 ? `[${t.scale.length}]` : t.scale[0]}` : '';
      return `${i} '${t.name}' ${t.type} [${t.shape.join(',')}]${q}`;
    };
    sg.inputs.forEach((i) => console.log(`input ${describe(i)}`));
    sg.outputs.forEach((i) => console.log(`output ${describe(i)}`));
    sg.operators.forEach((op, n) => console.log(
      `op ${n} ${op.name} v${op.version} in=[${op.inputs.join(',')}] out=[${op.outputs.join(',')}]`));
  });
}

// ------------------------------------------------------------------------------------ runtime log
// Both runtimes print to stderr; ERROR lines are collected so that a job can fail on them.
const realStderrWrite = process.stderr.write.bind(process.stderr);
let runtimeErrors = [];
process.stderr.write = (chunk, ...rest) => {
  const text = String(chunk);
  for (const line of text.split('\n')) if (/^ERROR/.test(line)) runtimeErrors.push(line.trim());
  if (!process.env.MCONV_LITERT_VERBOSE && /^(INFO|WARNING|VERBOSE)/.test(text)) return true;
  return realStderrWrite(chunk, ...rest);
};
function takeRuntimeErrors(stage) {
  if (runtimeErrors.length === 0) return;
  const message = `${stage}: ${runtimeErrors.join(' | ')}`;
  runtimeErrors = [];
  throw new Error(message);
}

// Evaluates an emscripten glue script as CommonJS with its own module scope: since Node 20.19 a
// plain require() of these files inside the "type":"module" package yields an empty module.
function evaluateCommonJs(file) {
  const module = { exports: {} };
  const wrapped = vm.runInThisContext(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file });
  wrapped.call(globalThis, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

// ------------------------------------------------------------------------------------ engines
const TYPED = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array, int64: BigInt64Array,
  int16: Int16Array, bool: Uint8Array, float16: Uint16Array, float64: Float64Array,
};
const LITERT_DTYPE = { float32: 'float32', int32: 'int32', uint8: 'uint8', int8: 'int8', int64: 'int64',
  int16: 'int16', bool: 'bool', float16: 'float16' };

let litertModule = null;
let runtimeInitMs = 0;  // one-off cost of starting the WASM runtime, paid by the first job
// Starts the WASM runtime once per process (the streaming batch mode calls it before the first
// job arrives, so the start overlaps the caller's work).
async function ensureLiteRt() {
  if (!litertModule) {
    const initStart = performance.now();
    globalThis.self = globalThis;
    // The glue is copied to wasm_cjs/ (with a CommonJS package.json) by scripts/setup.sh.
    const glueDir = fs.existsSync(path.join(HOME, 'wasm_cjs/package.json'))
      ? path.join(HOME, 'wasm_cjs') : path.join(HOME, 'node_modules/@litertjs/core/wasm');
    globalThis.importScripts = (url) => { globalThis.ModuleFactory = evaluateCommonJs(String(url)); };
    litertModule = await import(path.join(HOME, 'node_modules/@litertjs/core/dist/index.js'));
    const relaxed = await litertModule.supportsFeature('relaxedSimd');
    const glue = relaxed ? 'litert_wasm_internal.js' : 'litert_wasm_compat_internal.js';
    const warn = console.warn;
    console.warn = () => {};
    await litertModule.loadLiteRt(path.join(glueDir, glue));
    console.warn = warn;
    runtimeInitMs = performance.now() - initStart;
  }
}

async function litertEngine(bytes, threads) {
  await ensureLiteRt();
  let compiled;
  try {
    compiled = await litertModule.loadAndCompile(new Uint8Array(bytes), {
      accelerator: 'wasm', cpuOptions: { numThreads: threads } });
  } catch (e) {
    throw new Error(`LiteRT.js could not load/compile the model: ${e?.message ?? e}`);
  }
  takeRuntimeErrors('compile');
  const details = (list) => list.map((d) => ({ name: d.name, dtype: d.dtype, shape: Array.from(d.shape) }));
  return {
    name: 'litert',
    inputs: details(compiled.getInputDetails()),
    outputs: details(compiled.getOutputDetails()),
    async run(arrays) {
      const tensors = arrays.map(({ data, shape }) => new litertModule.Tensor(data, shape));
      let results;
      try {
        results = await compiled.run(tensors);
      } finally {
        tensors.forEach((t) => t.delete());
      }
      takeRuntimeErrors('run');
      return results.map((t) => {
        const out = { data: t.toTypedArray().slice(), shape: Array.from(t.type.layout.dimensions) };
        t.delete();
        return out;
      });
    },
    close() { compiled.delete(); },
  };
}

let tfjsWeb = null;
async function tfjsEngine(bytes, threads) {
  const wasmDir = path.join(HOME, 'node_modules/@tensorflow/tfjs-tflite/wasm/');
  if (!fs.existsSync(wasmDir)) throw new Error('@tensorflow/tfjs-tflite is not installed');
  if (!tfjsWeb) {
    delete globalThis.SharedArrayBuffer;  // the single-threaded build; threads need blob workers
    globalThis.self = globalThis;
    globalThis.location = { origin: 'file://', href: `file://${wasmDir}index.html` };
    const fetchOriginal = globalThis.fetch;
    globalThis.fetch = async (url, init) => (String(url).startsWith('file:')
      ? new Response(fs.readFileSync(fileURLToPath(String(url))), { headers: { 'Content-Type': 'application/wasm' } })
      : fetchOriginal(url, init));
    globalThis.importScripts = (url) => {
      const file = String(url).startsWith('file:') ? fileURLToPath(String(url)) : String(url);
      globalThis.tflite_web_api_ModuleFactory = evaluateCommonJs(file);
    };
    tfjsWeb = evaluateCommonJs(path.join(wasmDir, 'tflite_web_api_client.js')).tfweb ?? globalThis.tfweb;
    tfjsWeb.tflite_web_api.setWasmPath(wasmDir);
  }
  let runner;
  try {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    runner = await tfjsWeb.TFLiteWebModelRunner.create(copy, { numThreads: threads });
  } catch (e) {
    throw new Error(`tfjs-tflite could not load the model: ${e?.message ?? e}`);
  }
  // Falling back from the XNNPACK delegate to builtin kernels is logged as an error but is fine.
  runtimeErrors = runtimeErrors.filter((s) => !/xnnpack|restored original execution plan/i.test(s));
  takeRuntimeErrors('compile');
  const details = (list) => list.map((t) => ({ name: t.name, dtype: t.dataType,
    shape: String(t.shape).split(',').filter((s) => s !== '').map(Number) }));
  return {
    name: 'tfjs',
    inputs: details(runner.getInputs()),
    outputs: details(runner.getOutputs()),
    async run(arrays) {
      runner.getInputs().forEach((t, k) => t.data().set(arrays[k].data));
      if (!runner.infer()) throw new Error('tfjs-tflite infer() failed');
      takeRuntimeErrors('run');
      return runner.getOutputs().map((t) => ({ data: t.data().slice(),
        shape: String(t.shape).split(',').map(Number) }));
    },
    close() { runner.cleanUp?.(); },
  };
}

// ------------------------------------------------------------------------------------ jobs
function quantizer(tensor, dtype) {
  const ranges = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };
  if (!ranges[dtype] || tensor.scale.length !== 1) return null;
  const [lo, hi] = ranges[dtype];
  return (x) => Math.min(hi, Math.max(lo, Math.round(x / tensor.scale[0]) + tensor.zeroPoint[0]));
}

// Splits each input .npy into the per-run arrays the engine expects.
function prepareInputs(engine, info, npys) {
  if (npys.length !== engine.inputs.length) {
    throw new Error(`model has ${engine.inputs.length} inputs, got ${npys.length} .npy files`);
  }
  const sg = info.subgraphs[0];
  let runs = null;
  const perInput = npys.map((npy, k) => {
    const spec = engine.inputs[k];
    const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
    const sampleSize = shape.reduce((a, b) => a * b, 1);
    const same = npy.shape.length === shape.length && npy.shape.every((d, i) => d === shape[i]);
    const stacked = !same && shape[0] === 1 && npy.shape.length === shape.length &&
      npy.shape.slice(1).every((d, i) => d === shape[i + 1]);
    if (!same && !stacked) {
      throw new Error(`input ${k} '${spec.name}': .npy shape [${npy.shape}] does not fit [${shape}]`);
    }
    const count = same ? 1 : npy.shape[0];
    if (runs !== null && runs !== count) throw new Error('inputs disagree on the number of samples');
    runs = count;
    const Typed = TYPED[spec.dtype];
    if (!Typed) throw new Error(`input ${k}: unsupported dtype ${spec.dtype}`);
    const tensor = sg.tensors[sg.inputs[k]];
    const quantize = npy.data instanceof Float32Array && !(Typed.prototype instanceof Float32Array) &&
      Typed !== Float32Array ? quantizer(tensor, spec.dtype) : null;
    return (run) => {
      const slice = npy.data.subarray(run * sampleSize, (run + 1) * sampleSize);
      let data;
      if (slice.constructor === Typed) data = slice.slice();
      else if (quantize) data = Typed.from(slice, quantize);
      else if (Typed === BigInt64Array) data = BigInt64Array.from(slice, (v) => BigInt(v));
      else data = Typed.from(slice, Number);
      return { data, shape };
    };
  });
  return { runs, arraysFor: (run) => perInput.map((make) => make(run)) };
}

// LiteRT.js only runs static shapes: unknown (-1) dims of shape_signature are pinned in memory to
// the static `shape` value (batch 1 for mconv's files). Returns how many dims were pinned.
function pinDynamicDims(bytes, info) {
  let pinned = 0;
  for (const sg of info.subgraphs) {
    for (const t of sg.tensors) {
      t.signature.forEach((d, i) => {
        if (d < 0 && t.shape[i] > 0) {
          bytes.writeInt32LE(t.shape[i], t.signatureAt + 4 * i);
          pinned++;
        }
      });
    }
  }
  return pinned;
}

// Percentile by nearest rank on sorted times.
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function runJob(engineKind, threads, modelFile, outPrefix, inputFiles, timedRuns, warmup) {
  const loadStart = performance.now();
  const bytes = fs.readFileSync(modelFile);
  const info = readTflite(bytes);
  const pinned = pinDynamicDims(bytes, info);
  const npys = inputFiles.map(readNpy);
  const order = engineKind === 'auto' ? ['litert', 'tfjs'] : [engineKind];
  let lastError = null;
  for (const kind of order) {
    let engine = null;
    try {
      runtimeErrors = [];
      const compileStart = performance.now();
      const initBefore = runtimeInitMs;
      engine = kind === 'litert' ? await litertEngine(bytes, threads) : await tfjsEngine(bytes, threads);
      // Reading the file counts as loading; starting the WASM runtime is reported on its own.
      const loadMs = (performance.now() - compileStart) - (runtimeInitMs - initBefore) +
        (compileStart - loadStart);
      const { runs, arraysFor } = prepareInputs(engine, info, npys);
      const collected = engine.outputs.map(() => []);
      let shapes = null;
      let firstMs = 0;
      for (let run = 0; run < runs; run++) {
        const runStart = performance.now();
        const outs = await engine.run(arraysFor(run));
        if (run === 0) firstMs = performance.now() - runStart;
        shapes = outs.map((o) => o.shape);
        outs.forEach((o, k) => collected[k].push(o.data));
      }
      collected.forEach((parts, k) => {
        const dtype = engine.outputs[k].dtype;
        const Typed = TYPED[dtype] ?? Float32Array;
        const total = parts.reduce((a, p) => a + p.length, 0);
        const joined = new Typed(total);
        let at = 0;
        for (const p of parts) { joined.set(p, at); at += p.length; }
        const shape = runs === 1 ? shapes[k] : [runs * shapes[k][0], ...shapes[k].slice(1)];
        writeNpy(`${outPrefix}.${k}.npy`, dtype, shape, joined);
      });
      let timing = '';
      if (timedRuns > 0) {
        const arrays = arraysFor(0);
        for (let w = 0; w < warmup; w++) await engine.run(arrays);
        const times = [];
        for (let r = 0; r < timedRuns; r++) {
          const start = performance.now();
          await engine.run(arrays);
          times.push(performance.now() - start);
        }
        const samples = times.map((t) => t.toFixed(4)).join(',');
        times.sort((a, b) => a - b);
        const mean = times.reduce((a, b) => a + b, 0) / times.length;
        timing = ` median_ms=${times[times.length >> 1].toFixed(3)} min_ms=${times[0].toFixed(3)}` +
          ` mean_ms=${mean.toFixed(3)} p50_ms=${percentile(times, 50).toFixed(3)}` +
          ` p90_ms=${percentile(times, 90).toFixed(3)} p99_ms=${percentile(times, 99).toFixed(3)}` +
          ` load_ms=${loadMs.toFixed(3)} init_ms=${runtimeInitMs.toFixed(3)}` +
          ` first_ms=${firstMs.toFixed(3)} peak_rss_kb=${process.resourceUsage().maxRSS}` +
          ` times_ms=${samples}`;
      }
      engine.close();
      return `engine=${engine.name} runs=${runs} outputs=${collected.length} pinned_dims=${pinned}${timing}`;
    } catch (e) {
      engine?.close?.();
      lastError = new Error(`${kind}: ${e?.message ?? e}`);
    }
  }
  throw lastError;
}

// ------------------------------------------------------------------------------------ main
const argv = process.argv.slice(2);
const options = { engine: 'litert', threads: 1, runs: 0, warmup: 0, out: '', positional: [] };
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--engine') options.engine = argv[++i];
  else if (argv[i] === '--threads') options.threads = Number(argv[++i]);
  else if (argv[i] === '--runs') options.runs = Number(argv[++i]);
  else if (argv[i] === '--warmup') options.warmup = Number(argv[++i]);
  else if (argv[i] === '-o') options.out = argv[++i];
  else options.positional.push(argv[i]);
}
const [command, ...rest] = options.positional;
const usage = 'usage: mconv_litert.mjs info MODEL | signature MODEL | run MODEL IN.npy... -o PREFIX | ' +
  'batch JOBS.tsv|- [--engine litert|tfjs|auto] [--threads N] [--runs N] [--warmup W]';

let jobs = [];
let streaming = false;
if (command === 'info' && rest.length === 1) {
  printInfo(rest[0]);
  process.exit(0);
} else if (command === 'signature' && rest.length === 1) {
  try {
    printSignature(rest[0]);
  } catch (e) {
    console.error(`${rest[0]}: ${e?.message ?? e}`);
    process.exit(1);
  }
  process.exit(0);
} else if (command === 'run' && rest.length >= 1 && options.out) {
  jobs = [{ model: rest[0], out: options.out, inputs: rest.slice(1) }];
} else if (command === 'batch' && rest.length === 1 && rest[0] === '-') {
  streaming = true;
} else if (command === 'batch' && rest.length === 1) {
  jobs = fs.readFileSync(rest[0], 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const [model, out, ...inputs] = line.split('\t');
    return { model, out, inputs };
  });
} else {
  console.error(usage);
  process.exit(2);
}

let failures = 0;
let done = 0;
async function runListed(k, job) {
  try {
    const summary = await runJob(options.engine, options.threads, job.model, job.out,
      job.inputs, options.runs, options.warmup);
    console.log(`OK ${k} ${summary}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${k} ${job.model}: ${String(e?.message ?? e).replace(/\s+/g, ' ')}`);
  }
  done++;
}
if (streaming) {
  // `batch -`: jobs arrive on stdin one line at a time while the caller is still writing the
  // models; the runtime starts now (a failure here is reported by the first job that needs it).
  if (options.engine !== 'tfjs') await ensureLiteRt().catch(() => { litertModule = null; });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const [model, out, ...inputs] = line.split('\t');
    await runListed(done, { model, out, inputs });
  }
} else {
  for (let k = 0; k < jobs.length; k++) await runListed(k, jobs[k]);
}
console.log(`jobs ok=${done - failures} failed=${failures}`);
process.exit(failures ? 1 : 0);
