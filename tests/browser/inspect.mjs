// Opens rendered Markdown in a real headless Chromium and reports what a reader would see, read
// from the DOM: resolved links, headings, visible text, task-list checkboxes. tests/browser.py
// drives it; the browser is @sparticuz/chromium's (inside the npm package, nothing downloaded).
//
// Usage: node inspect.mjs NODE_MODULES_DIR < request.json, one JSON answer on stdout.
//   {"extract": DIR}  unpack the Chromium binary into DIR, answer {"executable": PATH}
//   {"executable": PATH, "pages": [{"html": ..., "url": ...}], "find": [...], "screenshot": PATH}
//     answer [{"url", "links", "headings", "list_items", "checkboxes", "text", "find",
//              "screenshot"}, ...], one per page, in order (tests/browser.py says what each is)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [modules] = process.argv.slice(2);
// The packages live in the virtualenv (npm --prefix .venv), not above this script, where an
// import would look: resolve them from there.
const require = createRequire(join(modules, "inspect.cjs"));
const chromium = require("@sparticuz/chromium");
const puppeteer = require("puppeteer-core");

const request = JSON.parse(readFileSync(0, "utf8"));

// Flags meant for a serverless sandbox that a local page does not need and should not have.
const UNWANTED = new Set(["--disable-web-security", "--allow-running-insecure-content"]);

/** Unpacks the brotli-compressed browser into `dir` (the package always unpacks to tmpdir()). */
async function extract(dir) {
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await chromium.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

/** The path of page `index`'s screenshot: the given one, numbered when there are several. */
function screenshotPath(path, index, count) {
  if (count === 1) return path;
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  return dot > slash ? `${path.slice(0, dot)}-${index + 1}${path.slice(dot)}` : `${path}-${index + 1}`;
}

/** Everything read from the document, in the browser (so hrefs are resolved as it resolves them).
 * `text` is what shows (a closed <details> hides its content); the other texts are whole. */
function readDocument(markers) {
  const clean = (node) => node.textContent.replace(/\s+/g, " ").trim();
  const text = document.body.innerText;
  return {
    url: document.URL,
    links: [...document.querySelectorAll("a[href]")].map((a) => ({
      href: a.href,
      attribute: a.getAttribute("href"),
      text: clean(a),
    })),
    headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => ({
      level: Number(h.tagName.slice(1)),
      text: clean(h),
      in_list_item: h.closest("li") !== null,
    })),
    list_items: [...document.querySelectorAll("li")].map(clean),
    checkboxes: [...document.querySelectorAll("input[type=checkbox]")].map((box) => ({
      checked: box.checked,
      in_details: box.closest("details") !== null,
      visible: box.checkVisibility(),
      label: box.parentElement ? clean(box.parentElement) : "",
    })),
    text,
    find: Object.fromEntries(markers.map((marker) => [marker, text.indexOf(marker)])),
  };
}

/** `url` normalised and without its fragment, which is never part of a request. */
function withoutFragment(url) {
  const address = new URL(url);
  address.hash = "";
  return address.href;
}

/** Serves `html` as the response for `url`, so the document's URL (and base) is that address. */
async function open(browser, { html, url }) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1012, height: 800 });
  await page.setRequestInterception(true);
  const address = withoutFragment(url);
  page.on("request", (req) => {
    if (req.isNavigationRequest() && withoutFragment(req.url()) === address) {
      req.respond({ status: 200, contentType: "text/html; charset=utf-8", body: html });
    } else {
      req.abort(); // nothing else is fetched: no network, no images, GitHub proxies those anyway
    }
  });
  await page.goto(url, { waitUntil: "load" });
  return page;
}

async function inspect({ executable, pages, find = [], screenshot = null }) {
  const browser = await puppeteer.launch({
    executablePath: executable,
    args: [...chromium.args.filter((arg) => !UNWANTED.has(arg)), "--no-sandbox"],
    headless: "shell",
  });
  try {
    const results = [];
    for (const [index, spec] of pages.entries()) {
      const page = await open(browser, spec);
      const result = await page.evaluate(readDocument, find);
      result.screenshot = null;
      if (screenshot !== null) {
        result.screenshot = screenshotPath(screenshot, index, pages.length);
        await page.screenshot({ path: result.screenshot, fullPage: true, type: "png" });
      }
      results.push(result);
      await page.close();
    }
    return results;
  } finally {
    await browser.close();
  }
}

try {
  const answer =
    request.extract !== undefined
      ? { executable: await extract(request.extract) }
      : await inspect(request);
  process.stdout.write(`${JSON.stringify(answer)}\n`);
} catch (error) {
  process.stderr.write(`inspect.mjs: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
