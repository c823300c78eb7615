// Measures what a 360 px phone shows badly (tests/browser/test_phone_layout.py):
// - the page scrolls sideways (wider than the screen);
// - a short Chinese label broken into a column of single characters: a text of two or more
//   CJK characters whose every rendered line holds at most one character.
() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > root.clientWidth + 1 && box.width > 0 && !el.closest(".table-responsive, .scroll-x")) {
        wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(box.right)}px)`);
      }
    }
    problems.push(`scrolls sideways: ${root.scrollWidth}px > ${root.clientWidth}px; ${wide.slice(-3).join(", ")}`);
  }
  const cjk = /[\u3400-\u9fff]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const chars = (text.match(cjk) || []).length;
    if (chars < 2 || node.parentElement.closest("script, style, template, svg, .visually-hidden")) continue;
    range.selectNodeContents(node);
    const lines = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (lines.length < 2) continue;
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    const widest = Math.max(...lines.map((r) => r.width));
    if (widest < size * 1.6) {
      problems.push(`"${text.slice(0, 20)}" in ${node.parentElement.tagName.toLowerCase()}.${[...node.parentElement.classList].join(".")} is a column of ${lines.length} lines`);
    }
  }
  return problems;
}
