const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/;

/** Text as HTML shows it: none of it becomes markup, in an element or an attribute. */
export function escapeHtml(text: string): string {
  // Most text has nothing to escape; testing first spares a large page a replace per field.
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : text;
}
