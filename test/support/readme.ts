// The README's fenced code blocks and the marker line above each: `<!-- example: NAME -->` (a
// complete program, saved as NAME and run by a test), `<!-- fragment -->` (a piece of the API
// reference, not a program) or `<!-- not run: why -->`.
import { readFileSync } from 'node:fs';

export interface ReadmeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The marker above the block: { example: name }, { fragment: true }, { notRun: why }, or none. */
  marker?: { example: string } | { fragment: true } | { notRun: string };
}

export const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

export function readmeBlocks(text = README): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    const above = /^<!-- (?:example: (\S+)|(fragment)|not run: (.+?)) -->$/.exec(lines[i - 1] ?? '');
    const marker = !above ? undefined : above[1] ? { example: above[1] } : above[2] ? { fragment: true as const } : { notRun: above[3] };
    blocks.push({ lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1, marker });
    i = end;
  }
  return blocks;
}

/** The code of the example named `name` (throws when the README has none). */
export function readmeExample(name: string): string {
  const block = readmeBlocks().find((b) => b.marker && 'example' in b.marker && b.marker.example === name);
  if (!block) throw new Error(`README.md has no block marked <!-- example: ${name} -->`);
  return block.code;
}
