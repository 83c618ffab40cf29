/** Focuses an element once it is in the document (the a11y-friendly form of `autofocus`). */
export function autofocus(node: HTMLElement): void {
  queueMicrotask(() => {
    if (node.isConnected) node.focus();
  });
}

/** True when a key event comes from a place where the user is typing text. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}
