/** Just enough XML writing for the Query and REST-XML services. */

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<name>text</name>`, escaped; nothing at all when the value is undefined. */
export function el(name: string, content: string | number | boolean | undefined): string {
  if (content === undefined) return '';
  return `<${name}>${typeof content === 'string' ? escapeXml(content) : String(content)}</${name}>`;
}

/** An element whose children are raw (already-built) XML. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

export function document(root: string, xmlns: string, ...children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${xmlns}">${children.join('')}</${root}>`;
}
