// Minimal roff (man(7)) writing: enough for text that comes from our own definitions.

/** Escapes text for a roff line: backslashes, hyphens that are minus signs in options, and a leading dot or quote. */
export function roffText(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/'/g, '\\(aq')
    .replace(/`/g, '\\(ga');
  return escaped.replace(/^([.])/gm, '\\&$1');
}

/** Bold option names, italic placeholders: `--out <dir>` → \fB\-\-out\fR \fI<dir>\fR. */
export function roffFlags(flags: string): string {
  return flags
    .split(/(\s+|,\s*)/)
    .map((part) => (/^[<[]/.test(part) ? `\\fI${roffText(part)}\\fR` : /^-/.test(part) ? `\\fB${roffText(part)}\\fR` : roffText(part)))
    .join('');
}
