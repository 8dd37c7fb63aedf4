/**
 * A framed block of text for stderr, for what a person starting the vault must not miss among
 * the log lines (a generated master key). Lines are wrapped at 76 columns.
 */
export function warningBlock(title: string, text: string): string {
  const width = 76;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  const inner = Math.max(title.length, ...lines.map((l) => l.length));
  const rule = '='.repeat(inner + 4);
  return (
    [
      '',
      rule,
      `| ${title.padEnd(inner)} |`,
      `| ${''.padEnd(inner)} |`,
      ...lines.map((l) => `| ${l.padEnd(inner)} |`),
      rule,
      '',
    ].join('\n') + '\n'
  );
}
