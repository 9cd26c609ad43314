// Runs Google's MediaPipe Tasks ImageClassifier (web build, @mediapipe/tasks-vision) in headless
// Chromium on .tflite files and images, and prints what it names. The acceptance check that the
// metadata mconv writes is what MediaPipe needs: it refuses float models without
// NormalizationOptions, and takes its class names from the labels file in the appended zip.
//
//   node mediapipe_classify.mjs --modules DIR --chromium /usr/bin/chromium --images DIR
//        [--offset K] [--count N] [--class-offset 0|1] [--synsets LOC_synset_mapping.txt]
//        MODEL.tflite...
//
// Files are served from 127.0.0.1 by a small HTTP server in this process; each image is
// classified with a centre regionOfInterest of 0.875 of its short side (MediaPipe stretches that
// region to the input size with plain bilinear), comparable to resize-256 / centre-crop-224.
// Output, one line per model:
//   model PATH images N top1 C named M errors E
// where C counts top-1 classes equal to labels.csv (after --class-offset) and M top-1 names equal
// to the synset name of the true class. Exit code 1 when a model cannot be loaded (its error is
// printed as "error PATH: message").
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

function parseArgs(argv) {
  const opts = {offset: 0, count: 0, classOffset: 0, models: []};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--modules') opts.modules = next();
    else if (a === '--chromium') opts.chromium = next();
    else if (a === '--images') opts.images = next();
    else if (a === '--offset') opts.offset = Number(next());
    else if (a === '--count') opts.count = Number(next());
    else if (a === '--class-offset') opts.classOffset = Number(next());
    else if (a === '--synsets') opts.synsets = next();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.models.push(a);
  }
  if (!opts.modules || !opts.chromium || !opts.images || opts.models.length === 0)
    throw new Error('usage: --modules DIR --chromium PATH --images DIR MODEL...');
  return opts;
}

// labels.csv: filename,synset,label (sorted by file name).
function readLabels(dir) {
  const lines = fs.readFileSync(path.join(dir, 'labels.csv'), 'utf8').split('\n');
  const rows = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const parts = line.split(',');
    rows.push({file: parts[0], label: Number(parts[parts.length - 1])});
  }
  rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return rows;
}

const kTypes = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript',
  '.wasm': 'application/wasm', '.tflite': 'application/octet-stream', '.JPEG': 'image/jpeg',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png',
};

const kPage = `<!doctype html><html><body><script type="module">
import {FilesetResolver, ImageClassifier} from '/mp/vision_bundle.mjs';
window.classifyAll = async (model, images) => {
  const fileset = await FilesetResolver.forVisionTasks('/mp/wasm');
  const classifier = await ImageClassifier.createFromOptions(fileset, {
    baseOptions: {modelAssetPath: model, delegate: 'CPU'}, maxResults: 5, runningMode: 'IMAGE'});
  const out = [];
  for (const url of images) {
    const img = new Image();
    img.src = url;
    await img.decode();
    const w = img.naturalWidth, h = img.naturalHeight, side = 0.875 * Math.min(w, h);
    const roi = {left: (w - side) / 2 / w, top: (h - side) / 2 / h,
                 right: (w + side) / 2 / w, bottom: (h + side) / 2 / h};
    const r = classifier.classify(img, {regionOfInterest: roi});
    const top = r.classifications[0].categories[0];
    out.push({index: top.index, name: top.categoryName, score: top.score});
  }
  classifier.close();
  return out;
};
window.pageReady = true;
</script></body></html>`;

function serve(routes) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    if (url === '/' || url === '/index.html') {
      res.writeHead(200, {'Content-Type': 'text/html'});
      res.end(kPage);
      return;
    }
    for (const [prefix, dir] of routes) {
      if (!url.startsWith(prefix)) continue;
      const file = path.resolve(dir, '.' + url.slice(prefix.length - 1));
      if (!file.startsWith(path.resolve(dir))) break;  // no escaping the served folders
      fs.readFile(file, (err, data) => {
        if (err) {
          res.writeHead(404);
          res.end();
          return;
        }
        res.writeHead(200, {'Content-Type': kTypes[path.extname(file)] || 'application/octet-stream'});
        res.end(data);
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const {default: puppeteer} = await import(path.join(opts.modules, 'puppeteer-core/lib/esm/puppeteer/puppeteer-core.js'));
  let rows = readLabels(opts.images).slice(opts.offset);
  if (opts.count > 0) rows = rows.slice(0, opts.count);
  const synsets = opts.synsets
      ? fs.readFileSync(opts.synsets, 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.slice(l.indexOf(' ') + 1).trim())
      : null;

  const routes = [['/mp/', path.join(opts.modules, '@mediapipe/tasks-vision')], ['/images/', opts.images]];
  opts.models.forEach((m, i) => routes.push([`/model${i}/`, path.dirname(path.resolve(m))]));
  const server = await serve(routes);
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mconv-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: opts.chromium,
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--no-first-run'],
  });
  let failed = false;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600000);
    await page.goto(`${base}/index.html`);
    await page.waitForFunction('window.pageReady === true');
    const images = rows.map((r) => `${base}/images/${encodeURIComponent(r.file)}`);
    for (let i = 0; i < opts.models.length; ++i) {
      const model = `${base}/model${i}/${encodeURIComponent(path.basename(opts.models[i]))}`;
      let results;
      try {
        results = await page.evaluate((m, list) => window.classifyAll(m, list), model, images);
      } catch (e) {
        console.log(`error ${opts.models[i]}: ${String(e.message || e).split('\n')[0]}`);
        failed = true;
        continue;
      }
      let top1 = 0, named = 0;
      results.forEach((r, k) => {
        const truth = rows[k].label;
        if (r.index - opts.classOffset === truth) ++top1;
        if (synsets && r.name === synsets[truth]) ++named;
      });
      console.log(`model ${opts.models[i]} images ${results.length} top1 ${top1} named ${named} errors 0`);
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`error: ${String(e.message || e).split('\n')[0]}`);
  process.exit(1);
});
