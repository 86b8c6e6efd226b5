/**
 * The few DOM helpers the dashboard needs. Elements are built with
 * textContent and attributes only: run data (job names, keys, error messages,
 * results) never becomes markup.
 */

/** The page's element with this id, checked to be of the expected kind. */
export function byId<T extends HTMLElement>(id: string, kind: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return found;
}

/** The page's element with this id. */
export function $(id: string): HTMLElement {
  return byId(id, HTMLElement);
}

/** Sets an element's text (never its markup). */
export function setText(id: string, text: string): void {
  $(id).textContent = text;
}

/** `text` and `className` set those properties; every other prop is an attribute. */
export type Props = Readonly<Record<string, string>> & { text?: string; className?: string };

/** A new element with its props and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: ReadonlyArray<Node> = []): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "text") el.textContent = value;
    else if (name === "className") el.className = value;
    else el.setAttribute(name, value);
  }
  el.append(...children);
  return el;
}

/** Removes every child of an element. */
export function clear(el: Element): void {
  el.replaceChildren();
}
