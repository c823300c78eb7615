// Care mode's promises on the page as it stands (tests/browser/test_care_mode.py): every
// visible line of text at 18 px or more, body text 1.5 lines apart, main actions at least
// 60 × 60 CSS px, one column, links in the text underlined. Returns one line per problem.
() => {
  const problems = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && !el.closest("[hidden], .visually-hidden, .d-none, [aria-hidden=true]");
  };
  const name = (el) => (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().replace(/\s+/g, " ").slice(0, 30) || el.outerHTML.slice(0, 60);

  // Text: every element that holds words of its own.
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || ["SCRIPT", "STYLE", "OPTION", "svg", "text"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    if (size < 18) problems.push(`text at ${size}px: ${name(el)}`);
    const heading = el.closest("h1, h2, h3, h4, h5, h6, .fs-1, .fs-2, .fs-3");
    const line = style.lineHeight === "normal" ? 1.2 * size : parseFloat(style.lineHeight);
    if (!heading && line / size < 1.5 - 0.01) problems.push(`line height ${(line / size).toFixed(2)}: ${name(el)}`);
  }

  // Main actions: buttons, links styled as buttons, fields, the bottom bar, the switch.
  const actions = "main .btn, main button, main summary.btn, main select, main textarea, " +
    "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), " +
    ".bottom-bar a, [data-care-toggle], .navbar-toggler";
  for (const el of document.querySelectorAll(actions)) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 59.5 || box.height < 59.5) {
      problems.push(`action ${Math.round(box.width)}×${Math.round(box.height)}: ${name(el)}`);
    }
  }

  // One column: the columns of a grid row stand one under another.
  for (const row of document.querySelectorAll("main .row")) {
    const cells = [...row.children].filter(visible);
    const tops = cells.map((c) => Math.round(c.getBoundingClientRect().top));
    if (new Set(tops).size < tops.length) problems.push(`columns side by side: ${name(row)}`);
  }

  // Not by colour alone: a link in the text is underlined.
  for (const a of document.querySelectorAll("main a:not(.btn)")) {
    if (visible(a) && !getComputedStyle(a).textDecorationLine.includes("underline")) {
      problems.push(`link not underlined: ${name(a)}`);
    }
  }
  return problems;
}
