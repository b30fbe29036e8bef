// A JSON Schema (2020-12) checker for the keywords docs/bench-schema.json uses: type, const, enum,
// required, properties, additionalProperties: false, items, minItems, minimum, oneOf, $ref to
// #/$defs/…. Any other keyword is refused, so the schema cannot silently use one this does not check.
type Schema = Record<string, unknown>;

const KNOWN = new Set(['$schema', '$id', 'title', 'description', '$defs', 'type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'minItems', 'minimum', 'oneOf', '$ref']);

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const isType = (v: unknown, t: string) => typeOf(v) === t || (t === 'number' && typeOf(v) === 'integer');

/** The problems of `value` against `schema` (empty: valid). */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`json-schema: keyword '${k}' at ${path} is not supported by this checker`);
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = (root.$defs as Record<string, Schema>)?.[name];
    if (!target) throw new Error(`json-schema: unresolved $ref ${schema.$ref}`);
    const problems = validate(value, target, root, path);
    const { $ref: _, ...rest } = schema;
    return [...problems, ...validate(value, rest, root, path)];
  }
  const problems: string[] = [];
  if (schema.oneOf) {
    const passing = (schema.oneOf as Schema[]).map((s) => validate(value, s, root, path));
    const ok = passing.filter((p) => p.length === 0).length;
    if (ok !== 1) problems.push(`${path}: matches ${ok} of oneOf (want 1)${ok === 0 ? `; closest: ${passing.reduce((a, b) => (b.length < a.length ? b : a)).join('; ')}` : ''}`);
  }
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    if (!types.some((t) => isType(value, t))) return [...problems, `${path}: ${JSON.stringify(value)} is not of type ${types.join(' or ')}`];
  }
  if ('const' in schema && value !== schema.const) problems.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) problems.push(`${path}: ${value} < ${schema.minimum}`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => problems.push(...validate(v, schema.items as Schema, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of (schema.required as string[]) ?? []) if (!(k in obj)) problems.push(`${path}: missing '${k}'`);
    const props = (schema.properties as Record<string, Schema>) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) problems.push(...validate(v, props[k], root, `${path}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property '${k}'`);
    }
  }
  return problems;
}
