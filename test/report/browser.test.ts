import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../engine/report/index.ts";
import { ROOT } from "../engine/cli-helpers.ts";
import { buildArchive, SPEC } from "./fixture.ts";

const CHROMIUM = "/usr/bin/chromium";

describe("report.html in headless Chromium", () => {
  let browser: Browser;

  // launch() gives the browser a fresh temporary profile of its own
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("renders every chart with no console error and no request beyond the file itself", async () => {
    const fixture = buildArchive();
    const path = await writeReport(fixture.dir);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request) => requests.push(request.url()));
    const url = pathToFileURL(path).href;
    await page.goto(url, { waitUntil: "load" });

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    const figures = await page.locator("figure.chart").evaluateAll((nodes) =>
      nodes.map((n) => {
        const svg = n.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        return { title: n.querySelector("h3")?.textContent, width: box?.width ?? 0, height: box?.height ?? 0, nodata: n.querySelector(".nodata")?.textContent ?? null };
      }),
    );
    expect(figures.map((f) => f.title)).toEqual(SPEC.charts.map((c) => c.title));
    // every chart with data is laid out as a visible SVG; the missing table shows its note
    for (const f of figures.slice(0, -1)) {
      expect(f.nodata).toBeNull();
      expect(f.width).toBeGreaterThan(300);
      expect(f.height).toBeGreaterThan(150);
    }
    expect(figures.at(-1)?.nodata).toContain("no data");

    const artifacts = join(ROOT, "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    await page.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });
});
