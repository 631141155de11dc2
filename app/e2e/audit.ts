/**
 * Lighthouse-style basics of one page, checked in chromium at the current viewport:
 * - a document title, `<html lang>` and a `width=device-width` viewport meta;
 * - nothing wider than the viewport (no sideways scrolling);
 * - every interactive control has an accessible name, and every image a text alternative
 *   (chromium's own accessibility tree, through the DevTools protocol: the names screen readers get);
 * - tap targets at least 24 × 24 px (WCAG 2.2 target size, minimum; links inside running text excepted);
 * - text contrast from the computed styles: at least 4.5:1 (3:1 for large text, 24 px or 18.66 px bold),
 *   against the first opaque background behind it (disabled controls excepted, as WCAG does).
 * Returns the problems found (empty when the page passes), each naming the element.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";

/** The checks that run in the page (plain JavaScript: tsx's helpers do not exist there). */
const PAGE_CHECKS = readFileSync(new URL("./audit-page.js", import.meta.url), "utf8");

/** Roles of controls a user operates: each needs a name. */
const INTERACTIVE = new Set([
  "button",
  "link",
  "textbox",
  "searchbox",
  "combobox",
  "listbox",
  "checkbox",
  "radio",
  "switch",
  "tab",
  "slider",
  "spinbutton",
  "menuitem",
  "option",
]);

interface AXNode {
  ignored: boolean;
  role?: { value: string };
  name?: { value: string };
  backendDOMNodeId?: number;
}

export async function audit(page: Page): Promise<string[]> {
  const problems: string[] = [];

  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AXNode[] };
    for (const n of nodes) {
      if (n.ignored || !n.role) continue;
      const role = n.role.value;
      const named = (n.name?.value ?? "").trim() !== "";
      if ((INTERACTIVE.has(role) || role === "image" || role === "img") && !named) {
        let what = role;
        if (n.backendDOMNodeId !== undefined) {
          const { object } = (await cdp.send("DOM.resolveNode", { backendNodeId: n.backendDOMNodeId })) as {
            object: { objectId?: string };
          };
          if (object.objectId) {
            const r = (await cdp.send("Runtime.callFunctionOn", {
              objectId: object.objectId,
              functionDeclaration: "function () { return this.outerHTML.slice(0, 120); }",
              returnByValue: true,
            })) as { result: { value: string } };
            what = `${role} ${r.result.value}`;
          }
        }
        problems.push(`no accessible name: ${what}`);
      }
    }
  } finally {
    await cdp.detach();
  }

  problems.push(...((await page.evaluate(PAGE_CHECKS)) as string[]));
  return problems;
}
