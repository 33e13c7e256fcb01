// PostgreSQL's text and jsonb cannot hold U+0000: a NUL anywhere in a row makes it refuse the whole
// statement (22021), which would turn a stranger's request into a 500 logged at error level. Bodies
// whose text reaches the database are checked here first and refused (or skipped) as bad input.

/** Whether any string or key in a parsed JSON value contains a NUL. Iterative: nesting depth is the sender's choice. */
export function hasNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
