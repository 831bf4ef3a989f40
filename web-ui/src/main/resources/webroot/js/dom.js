/** Small DOM and storage helpers shared by the panels. */

export function $(id) {
  return document.getElementById(id);
}

/** Sets a node's text and hides it while empty. */
export function showText(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

export function store(key, value) {
  try {
    localStorage.setItem(`interir.${key}`, String(value));
  } catch (e) {
    // private mode: the setting lasts this page only
  }
}

export function stored(key) {
  try {
    return localStorage.getItem(`interir.${key}`);
  } catch (e) {
    return null;
  }
}
