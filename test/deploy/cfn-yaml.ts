import { parse, type ScalarTag, type CollectionTag } from 'yaml';

/**
 * CloudFormation YAML with its short-form intrinsics (`!Ref X`, `!Sub …`, `!GetAtt A.B`, `!If […]`),
 * read into the long form (`{ Ref: X }`, `{ 'Fn::Sub': … }`), as CloudFormation itself does.
 */
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'GetAtt', 'Condition', 'Ref'] as const;

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const tags: (ScalarTag | CollectionTag)[] = FUNCTIONS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (seq: { toJSON(): unknown }) => longForm(name, seq.toJSON()) } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (map: { toJSON(): unknown }) => longForm(name, map.toJSON()) } as unknown as CollectionTag,
]);

export function parseCloudFormation(text: string): Record<string, unknown> {
  return parse(text, { customTags: tags, uniqueKeys: true }) as Record<string, unknown>;
}
