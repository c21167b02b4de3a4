import { chromium } from "playwright-core";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const p = await b.newPage({ viewport: { width: 1400, height: 1800 } });
await p.goto("http://localhost:4101/?as=U_ALICE#incidents");
await p.waitForTimeout(2500);
await p.screenshot({ path: "/tmp/shot1.png" });
// open the first thread
const t = await p.$$("text=/\\d+ replies/");
if (t[0]) { await t[0].click(); await p.waitForTimeout(1500); await p.screenshot({ path: "/tmp/shot2.png" }); }
await b.close();
