/* global document, window, getComputedStyle, NodeFilter */
// The in-page half of audit.ts: plain JavaScript, evaluated in the page as it is (no compiler helpers).
// Returns the problems found, one line each.
(() => {
  const out = [];
  const describe = (el) => {
    const id = el.getAttribute("data-testid");
    const text = (el.textContent ?? "").trim().slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id ? ` data-testid="${id}"` : ""}>${text}`;
  };
  if (!document.title.trim()) out.push("no document title");
  if (!document.documentElement.lang) out.push("no <html lang>");
  const viewport = document.querySelector('meta[name="viewport"]')?.getAttribute("content") ?? "";
  if (!/width=device-width/.test(viewport)) out.push(`no width=device-width viewport meta (${viewport})`);
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) out.push(`page is ${width}px wide at ${window.innerWidth}px`);
  for (const img of Array.from(document.querySelectorAll("img")))
    if (!img.hasAttribute("alt")) out.push(`image without alt: ${img.outerHTML.slice(0, 120)}`);

  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none";
  };

  // Tap targets.
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type="hidden"]), select, textarea, [role="button"], [role="tab"], [tabindex]:not([tabindex="-1"])',
  );
  for (const el of Array.from(controls)) {
    if (!visible(el)) continue;
    // A link inside a sentence is exempt (WCAG 2.5.8 "inline").
    if (el.tagName === "A" && el.parentElement && /^(P|LI|SPAN|TD|SMALL)$/.test(el.parentElement.tagName)) {
      const parentText = (el.parentElement.textContent ?? "").trim();
      if (parentText.length > (el.textContent ?? "").trim().length) continue;
    }
    const r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 24)
      out.push(`tap target ${Math.round(r.width)}×${Math.round(r.height)} px: ${describe(el)}`);
  }

  // Colour contrast, from computed colours painted on a canvas (any CSS colour syntax to sRGB bytes).
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "#000";
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a));
  };
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    // Backgrounds from the element outwards, composited over white (the canvas default).
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [255, 255, 255];
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!el || seen.has(el) || !(t.textContent ?? "").trim()) continue;
    seen.add(el);
    if (!visible(el) || el.closest("[disabled], [aria-disabled='true']")) continue;
    const cs = getComputedStyle(el);
    const bg = background(el);
    const fg = rgba(cs.color);
    const text = blend([...fg.slice(0, 3), fg[3] * Number(cs.opacity)], bg);
    const [l1, l2] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed)
      out.push(
        `contrast ${ratio.toFixed(2)}:1 < ${needed}:1 (${cs.color} on rgb(${bg.map(Math.round).join(",")})): ${describe(el)}`,
      );
  }
  return out;
})();
